
                variable "FOO" {
                    type = list(number)
                }

                target "default" {
                    args = {
                        foo = join("-", [for v in FOO: v + 1])
                    }
                }