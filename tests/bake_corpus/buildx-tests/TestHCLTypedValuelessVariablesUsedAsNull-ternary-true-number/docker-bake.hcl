
                    variable "FOO" {
                        type = number
                    }

                    target "default" {
                        args = {
                            foo = FOO == null ? FOO : "hi"
                        }
                    }