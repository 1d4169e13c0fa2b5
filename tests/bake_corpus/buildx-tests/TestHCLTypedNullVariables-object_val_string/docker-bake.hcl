
	            variable "FOO" {
	                type = object({val: string})
	                default = null
	            }
	
	            target "default" {
	                args = {
	                    foo = equal(FOO, null)
	                }
	            }