variable "V" { default = "v1.2.3" }
target "default" {
  args = {
    MAJOR = can(regex("^v([0-9]+)", V)) ? regex("^v([0-9]+)", V)[0] : "none"
    NOPE = can(regex("^x", V)) ? "yes" : "no"
    TRIED = try(regex("^x", V), "fallback")
  }
}
