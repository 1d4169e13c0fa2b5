
                variable "FOO" {
                    type = tuple([number,string])
                }

                target "default" {
                    args = {
                        foo = format("%d %s", FOO[0], FOO[1])
                    }
                }