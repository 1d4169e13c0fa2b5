target "default" {
  args = {
    out = dirname("/")
  }
}
