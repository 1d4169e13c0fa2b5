
                variable "FOO" {
                    type = object({messages: list(string)})
                }

                target "default" {
                    args = {
                        foo = join("-", FOO["messages"])
                    }
                }