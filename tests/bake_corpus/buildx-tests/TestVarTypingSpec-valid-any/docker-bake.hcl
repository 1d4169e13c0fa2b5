
        variable "FOO" {
          type = any
        }
        target "default" {
        }