target "default" {
  args = {
    out = formattimestamp("YYYY-MM-DD", "0")
  }
}
