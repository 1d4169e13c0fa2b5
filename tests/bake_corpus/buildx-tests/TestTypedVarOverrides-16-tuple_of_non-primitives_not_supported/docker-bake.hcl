
                variable "FOO" {
                    type = tuple([list(number)])
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }