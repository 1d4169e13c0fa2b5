
                variable "FOO" {
                    type = number
                    default = 99
                }

                target "default" {
                    args = {
                        foo = FOO + 1
                    }
                }