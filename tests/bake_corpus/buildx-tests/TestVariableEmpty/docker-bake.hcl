
variable "FOO" {
  default = ""
}
target "app" {
  output = [FOO]
}
