target "default" {
  args = {
    out = formattimestamp("X", "2015-10-21T00:00:00Z")
  }
}
