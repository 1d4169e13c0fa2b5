target "default" { output = ["type=local,dest=out"] }
