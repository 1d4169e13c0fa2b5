
                variable "FOO" {
                    type = tuple([string])
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }