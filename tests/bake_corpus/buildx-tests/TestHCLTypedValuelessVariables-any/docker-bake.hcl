
                variable "FOO" {
                    type = any
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }