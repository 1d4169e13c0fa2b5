variable "PUSH" { default = "" }
target "default" {
  tags = [PUSH != "" ? "repo:x" : "", "repo:y"]
  cache-from = ["", "user/app:cache"]
  cache-to = [""]
  output = ["", "type=docker"]
  attest = ["", "type=sbom"]
  annotations = [""]
  no-cache-filter = ["", "a"]
  ulimits = [""]
  entitlements = [""]
}
