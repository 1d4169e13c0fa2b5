
                variable "FOO" {
                    type = list(string)
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }