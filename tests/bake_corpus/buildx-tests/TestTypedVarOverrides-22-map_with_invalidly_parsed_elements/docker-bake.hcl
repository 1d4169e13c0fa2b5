
                variable "FOO" {
                    type = map(number)
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }