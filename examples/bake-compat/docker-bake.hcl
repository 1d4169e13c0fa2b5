# A docker-bake.hcl as bake users write it: variables, functions, inherits, matrix, groups.
# `mpbake print` gives what `docker buildx bake --print` gives for it.

variable "REGISTRY" {
  default     = "registry.example"
  description = "where images are pushed"
}

variable "VERSION" {
  default = "1.4.2"
  validation {
    condition     = length(regexall("^[0-9]+\\.[0-9]+\\.[0-9]+$", VERSION)) > 0
    error_message = "VERSION must be MAJOR.MINOR.PATCH"
  }
}

variable "PLATFORMS" {
  type    = list(string)
  default = ["linux/amd64", "linux/arm64"]
}

function "image" {
  params = [name]
  result = ["${REGISTRY}/${name}:${VERSION}", "${REGISTRY}/${name}:${join(".", slice(split(".", VERSION), 0, 2))}"]
}

group "default" {
  targets = ["api", "worker", "docs"]
}

target "_base" {
  platforms = PLATFORMS
  args = {
    VERSION    = VERSION
    GO_VERSION = "1.22"
  }
  labels = {
    "org.opencontainers.image.version" = VERSION
    "org.opencontainers.image.source"  = "https://example.invalid/app"
  }
}

target "api" {
  inherits   = ["_base"]
  dockerfile = "cmd/api/Dockerfile"
  tags       = image("api")
  cache-from = ["type=registry,ref=${REGISTRY}/api:cache"]
  cache-to   = ["type=registry,ref=${REGISTRY}/api:cache,mode=max"]
}

target "worker" {
  inherits = ["_base"]
  matrix = {
    queue = ["email", "billing"]
  }
  name       = "worker-${queue}"
  dockerfile = "cmd/worker/Dockerfile"
  args       = { QUEUE = queue }
  tags       = image("worker-${queue}")
}

target "docs" {
  context           = "./docs/"
  dockerfile-inline = "FROM scratch\nCOPY . /srv\n"
  platforms         = ["linux/amd64"]
  tags              = ["${REGISTRY}/docs:${lower(VERSION)}"]
  output            = ["type=oci,dest=out/docs.tar"]
}
