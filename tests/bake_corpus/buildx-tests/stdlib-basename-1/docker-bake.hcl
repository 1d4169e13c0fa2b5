target "default" {
  args = {
    out = basename("")
  }
}
