# The seed's third pattern without shell: each platform's image gets its own prebuilt binary.
# No RUN, no QEMU: the file is chosen per target platform when the image is assembled.
variable "REGISTRY" {
  default = "localhost:5000"
}

variable "TAG" {
  default = "dev"
}

group "default" {
  targets = ["xxx"]
}

target "xxx" {
  platforms = ["linux/amd64", "linux/arm64"]
  from      = "${REGISTRY}/busybox:1"
  tags      = ["${REGISTRY}/xxx:${TAG}"]

  file "/usr/local/bin/xxx" {
    source = "dist/xxx.${TARGETARCH}"
    mode   = "0755"
  }

  entrypoint = ["/usr/local/bin/xxx"]
  labels     = { "org.opencontainers.image.title" = "xxx" }
}
