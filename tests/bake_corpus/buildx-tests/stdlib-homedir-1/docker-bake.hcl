target "default" {
  args = {
    out = homedir()
  }
}
