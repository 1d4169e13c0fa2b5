target "default" {
  args = {
    out = jsonencode(unixtimestampparse(1.2))
  }
}
