
                variable "FOO" {
                    type = list(number)
                    default = [2,3]
                }

                target "default" {
                    args = {
                        foo = join("", [for v in FOO: v + 1])
                    }
                }