
                variable "FOO" {
                    type = map(number)
                }

                target "default" {
                    args = {
                        foo = join("-", sort(values(FOO)))
                    }
                }