target "default" {
  args = {
    out = jsonencode(indexof(["one", 2, 3, "four"], "four"))
  }
}
