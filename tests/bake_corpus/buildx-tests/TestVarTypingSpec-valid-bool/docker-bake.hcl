
        variable "FOO" {
          type = bool
        }
        target "default" {
        }