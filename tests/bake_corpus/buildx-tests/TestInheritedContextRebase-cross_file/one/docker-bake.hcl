
target "base" {
  context = "basectx"
}