target "default" {
  args = {
    out = formattimestamp("X", "0")
  }
}
