
                variable "FOO" {
                    type = map(string)
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }