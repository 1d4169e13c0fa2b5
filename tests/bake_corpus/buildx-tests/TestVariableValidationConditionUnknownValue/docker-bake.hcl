
variable "PORT" {
  default = 3000
  validation {
    condition = "foo"
  }
}
target "app" {
  args = {
    PORT = PORT
  }
}
