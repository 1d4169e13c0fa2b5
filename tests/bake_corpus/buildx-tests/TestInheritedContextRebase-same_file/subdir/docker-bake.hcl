
target "base" {
  context = "basectx"
}

target "app" {
  inherits = ["base"]
  tags = ["app:latest"]
}