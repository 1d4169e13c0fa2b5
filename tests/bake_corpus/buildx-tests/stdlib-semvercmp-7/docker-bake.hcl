target "default" {
  args = {
    out = jsonencode(semvercmp("1.2.3", ""))
  }
}
