
                BAR = substr("99 bottles", 0, 2)
                variable "FOO" {
                    type = number
                    default = BAR
                }

                target "default" {
                }