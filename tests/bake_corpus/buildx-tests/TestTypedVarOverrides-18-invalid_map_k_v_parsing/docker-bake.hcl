
                variable "FOO" {
                    type = map(string)
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }