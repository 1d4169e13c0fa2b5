# The seed's Go hello: a cross-compiling builder stage shared by every target platform.
variable "REGISTRY" {
  default     = "localhost:5000"
  description = "registry holding the golang and busybox base images"
}

variable "TAG" {
  default = "dev"
}

group "default" {
  targets = ["hello"]
}

target "hello" {
  context    = "."
  dockerfile = "Dockerfile"
  args       = { REGISTRY = REGISTRY }
  platforms  = ["linux/amd64", "linux/arm64"]
  tags       = ["${REGISTRY}/hello:${TAG}"]
}
