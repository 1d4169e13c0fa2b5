
                variable "FOO" {
                    type = object({val: string})
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }