
                variable "FOO" {
                    type = number
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }