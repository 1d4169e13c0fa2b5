target "default" {
  args = {
    out = formattimestamp("YYYY-MM-DD", "2025-09-16T12:00:00Z")
  }
}
