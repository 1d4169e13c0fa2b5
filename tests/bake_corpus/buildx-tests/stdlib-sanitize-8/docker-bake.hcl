target "default" {
  args = {
    out = sanitize("foo/bar!@(ba+z)")
  }
}
