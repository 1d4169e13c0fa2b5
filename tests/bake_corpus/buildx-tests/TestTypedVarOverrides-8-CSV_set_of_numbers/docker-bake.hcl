
                variable "FOO" {
                    type = set(number)
                }

                target "default" {
                    args = {
                        foo = join("-", [for v in sort(FOO): v + 1])
                    }
                }