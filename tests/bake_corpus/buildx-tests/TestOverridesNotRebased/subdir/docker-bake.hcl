
target "app" {
  context = "."
  contexts = {
    shared = "../shared"
  }
}