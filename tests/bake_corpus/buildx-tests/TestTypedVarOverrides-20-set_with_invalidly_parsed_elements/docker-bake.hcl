
                variable "FOO" {
                    type = set(number)
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }