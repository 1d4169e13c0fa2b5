
target "app" {
  tags = ["app:latest"]
}

target "other" {
  context = "."
}