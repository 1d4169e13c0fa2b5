
                BAR = split(",", "1,2,3foo")
                variable "FOO" {
                    type = list(number)
                    default = BAR
                }

                target "default" {
                }