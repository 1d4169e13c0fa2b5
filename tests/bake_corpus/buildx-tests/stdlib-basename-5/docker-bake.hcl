target "default" {
  args = {
    out = basename("/foo/bar.")
  }
}
