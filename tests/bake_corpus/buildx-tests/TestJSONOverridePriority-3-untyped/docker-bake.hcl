
            variable "FOO" {
                default = [1, 2]
            }
            
            target "default" {
                args = {
                    foo = length(FOO)
                }
            }