variable "X" { default = "no" }
target "default" {
  tags = X == "yes" ? setsubtract(["b", "a"], ["z"]) : ["c", "a", "b", "a"]
}
