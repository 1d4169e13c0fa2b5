
target "app" {
  inherits = ["base"]
  tags = ["app:latest"]
}