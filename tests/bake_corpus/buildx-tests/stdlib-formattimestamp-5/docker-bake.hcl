target "default" {
  args = {
    out = formattimestamp("YYYY-MM-DD'T'hh:mm:ssZ", -1)
  }
}
