
                variable "FOO" {
                    type = string
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }