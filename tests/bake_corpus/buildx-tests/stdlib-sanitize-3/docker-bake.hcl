target "default" {
  args = {
    out = sanitize("foobar")
  }
}
