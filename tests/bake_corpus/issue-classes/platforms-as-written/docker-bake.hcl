target "default" {
  platforms = ["local", "arm64", "linux/arm", "linux/amd64/v1", "windows/arm", "linux/arm64", "linux/arm64/v8", ""]
}
