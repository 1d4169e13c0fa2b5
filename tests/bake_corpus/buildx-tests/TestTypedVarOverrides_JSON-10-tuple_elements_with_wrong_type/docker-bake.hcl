
                variable "FOO" {
                    type = tuple([number,string])
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }