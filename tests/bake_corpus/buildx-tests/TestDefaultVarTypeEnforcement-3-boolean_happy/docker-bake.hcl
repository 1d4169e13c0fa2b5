
                variable "FOO" {
                    type = bool
                    default = true
                }

                target "default" {
                    args = {
                        foo = and(FOO, true)
                    }
                }