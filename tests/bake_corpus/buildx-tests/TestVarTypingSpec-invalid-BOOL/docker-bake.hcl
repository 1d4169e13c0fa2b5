
        variable "FOO" {
          type = BOOL
        }
        target "default" {
        }