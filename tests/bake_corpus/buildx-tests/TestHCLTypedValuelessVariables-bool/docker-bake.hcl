
                variable "FOO" {
                    type = bool
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }