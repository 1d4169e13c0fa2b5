
        variable "FOO" {
          type = tuple([string, number])
        }
        target "default" {
        }