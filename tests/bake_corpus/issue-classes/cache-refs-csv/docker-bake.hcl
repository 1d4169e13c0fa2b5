target "default" {
  cache-from = ["ref1,ref2", "type=local,src=dir"]
  cache-to = ["ref3"]
}
