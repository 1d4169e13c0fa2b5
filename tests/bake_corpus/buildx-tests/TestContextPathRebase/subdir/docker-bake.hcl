
target "base" {
  context = "base"
}

target "app" {
  context = "."
  dockerfile = "Dockerfile.app"
  contexts = {
    shared = "../shared"
    cwd = "cwd://local"
    linked = "target:base"
    image = "docker-image://alpine:latest"
    layout = "oci-layout://layout"
  }
}