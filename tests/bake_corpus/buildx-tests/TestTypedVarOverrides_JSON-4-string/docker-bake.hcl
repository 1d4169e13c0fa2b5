
                variable "FOO" {
                    type = string
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }