
                BAR = "hello"
                variable "FOO" {
                    type = string
                    default = BAR
                }

                target "default" {
                }