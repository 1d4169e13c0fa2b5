
                BAR = 99
                variable "FOO" {
                    type = bool
                    default = BAR
                }

                target "default" {
                }