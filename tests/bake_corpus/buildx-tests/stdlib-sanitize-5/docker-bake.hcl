target "default" {
  args = {
    out = sanitize("foo/bar..")
  }
}
