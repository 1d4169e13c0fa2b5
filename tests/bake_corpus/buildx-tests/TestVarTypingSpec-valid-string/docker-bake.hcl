
        variable "FOO" {
          type = string
        }
        target "default" {
        }