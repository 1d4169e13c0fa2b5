
                variable "FOO" {
                    type = tuple([number])
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }