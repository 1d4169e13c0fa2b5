target "default" {
  args = {
    out = jsonencode(semvercmp("", ">= 1.0.0"))
  }
}
