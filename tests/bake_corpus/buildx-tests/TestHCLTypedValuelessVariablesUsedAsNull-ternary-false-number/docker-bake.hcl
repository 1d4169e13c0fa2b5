
                    variable "FOO" {
                        type = number
                    }

                    target "default" {
                        args = {
                            foo = FOO == null ? "hi" : FOO
                        }
                    }