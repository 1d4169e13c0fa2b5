target "default" {
  args = {
    out = jsonencode(semvercmp("3.22", ">= 3.20"))
  }
}
