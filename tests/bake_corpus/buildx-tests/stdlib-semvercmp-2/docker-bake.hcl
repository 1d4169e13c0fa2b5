target "default" {
  args = {
    out = jsonencode(semvercmp("2.1.0", "< 2.0.0"))
  }
}
