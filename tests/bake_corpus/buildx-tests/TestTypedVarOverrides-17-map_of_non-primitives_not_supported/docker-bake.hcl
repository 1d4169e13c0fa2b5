
                variable "FOO" {
                    type = map(list(number))
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }