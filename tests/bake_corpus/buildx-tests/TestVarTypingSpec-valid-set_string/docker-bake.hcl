
        variable "FOO" {
          type = set(string)
        }
        target "default" {
        }