
                variable "FOO" {
                    type = set(string)
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }