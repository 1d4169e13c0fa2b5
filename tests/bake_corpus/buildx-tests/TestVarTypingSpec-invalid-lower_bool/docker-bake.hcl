
        variable "FOO" {
          type = lower("bool")
        }
        target "default" {
        }