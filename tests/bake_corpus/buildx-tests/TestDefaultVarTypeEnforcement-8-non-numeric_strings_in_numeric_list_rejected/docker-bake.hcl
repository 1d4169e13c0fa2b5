
                variable "FOO" {
                    type = list(number)
                    default = ["oops"]
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }