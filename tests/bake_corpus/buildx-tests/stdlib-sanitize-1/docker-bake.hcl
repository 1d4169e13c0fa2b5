target "default" {
  args = {
    out = sanitize("")
  }
}
