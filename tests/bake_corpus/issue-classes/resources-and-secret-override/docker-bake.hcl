target "default" {
  resources = { memory = "2g", cpu-shares = 512 }
  secret = ["id=TOKEN,env=A"]
}
