variable "T" { default = "d" }
target "default" {
  tags = ["a:${T}"]
  args = { X = "1" }
}
