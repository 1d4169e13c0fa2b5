
            variable "FOO" {
                type = list(number)
            }
            variable "FOO_JSON" {
                type = list(number)
            }

            target "default" {
                args = {
                    foo = FOO
                }
            }