
                    variable "FOO" {
                        type = bool
                    }

                    target "default" {
                        args = {
                            foo = FOO
                        }
                    }