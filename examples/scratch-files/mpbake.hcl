# An image built from nothing but files, one set per platform: no Dockerfile, no RUN, no
# registry, no daemon. `mpbake build` writes an OCI layout per target (mpbake-out/motd/).
variable "TAG" {
  default = "dev"
}

group "default" {
  targets = ["motd"]
}

target "motd" {
  platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7"]
  from      = "scratch"
  tags      = ["registry.example/motd:${TAG}"]

  file "/etc/motd" {
    source = "files/motd-${TARGETARCH}${TARGETVARIANT}.txt"
    mode   = "0644"
  }
  file "/usr/share/motd/README" {
    source = "files/README"
  }

  env    = { MOTD = "/etc/motd" }
  labels = { "org.opencontainers.image.title" = "motd" }
  cmd    = ["/etc/motd"]
}
