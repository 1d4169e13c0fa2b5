
                    variable "FOO" {
                        type = any
                    }

                    target "default" {
                        args = {
                            foo = FOO
                        }
                    }