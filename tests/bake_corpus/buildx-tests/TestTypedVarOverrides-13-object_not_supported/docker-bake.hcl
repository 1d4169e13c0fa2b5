
                variable "FOO" {
                    type = object({message: string})
                }

                target "default" {
                    args = {
                        foo = FOO
                    }
                }