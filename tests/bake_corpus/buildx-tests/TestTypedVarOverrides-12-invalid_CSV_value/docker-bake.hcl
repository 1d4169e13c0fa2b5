
                variable "FOO" {
                    type = list(string)
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }