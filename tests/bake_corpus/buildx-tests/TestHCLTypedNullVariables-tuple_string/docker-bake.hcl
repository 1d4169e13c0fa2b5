
	            variable "FOO" {
	                type = tuple([string])
	                default = null
	            }
	
	            target "default" {
	                args = {
	                    foo = equal(FOO, null)
	                }
	            }