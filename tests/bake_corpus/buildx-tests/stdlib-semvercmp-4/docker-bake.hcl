target "default" {
  args = {
    out = jsonencode(semvercmp("not-a-version", ">= 1.0.0"))
  }
}
