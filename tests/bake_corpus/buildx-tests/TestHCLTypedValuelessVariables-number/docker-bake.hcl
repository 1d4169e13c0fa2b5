
                variable "FOO" {
                    type = number
                }

                target "default" {
                    args = {
                        foo = equal(FOO, null)
                    }
                }