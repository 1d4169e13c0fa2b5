target "default" {
  args = {
    out = dirname("foo/bar")
  }
}
