
        variable "FOO" {
          type = boolean
        }
        target "default" {
        }