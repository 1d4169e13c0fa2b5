
                BAR = "99"
                variable "FOO" {
                    type = number
                    default = BAR
                }

                target "default" {
                }