
                    variable "FOO" {
                        type = any
                    }

                    target "default" {
                        args = {
                            foo = FOO == null ? FOO : "hi"
                        }
                    }