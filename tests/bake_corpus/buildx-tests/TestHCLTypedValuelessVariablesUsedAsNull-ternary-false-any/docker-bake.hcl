
                    variable "FOO" {
                        type = any
                    }

                    target "default" {
                        args = {
                            foo = FOO == null ? "hi" : FOO
                        }
                    }