
                variable "FOO" {
                    type = number
                    default = "oops"
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }