
target "app" {
  dockerfile = ""
}
