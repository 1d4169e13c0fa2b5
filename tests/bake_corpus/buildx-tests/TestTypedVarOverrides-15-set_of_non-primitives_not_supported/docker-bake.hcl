
                variable "FOO" {
                    type = set(set(number))
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }