target "default" {
  args = {
    out = formattimestamp("X", 1445385600)
  }
}
