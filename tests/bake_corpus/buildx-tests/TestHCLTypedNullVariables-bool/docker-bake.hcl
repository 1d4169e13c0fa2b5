
	            variable "FOO" {
	                type = bool
	                default = null
	            }
	
	            target "default" {
	                args = {
	                    foo = equal(FOO, null)
	                }
	            }