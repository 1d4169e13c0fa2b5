
	            variable "FOO" {
	                type = any
	                default = null
	            }
	
	            target "default" {
	                args = {
	                    foo = equal(FOO, null)
	                }
	            }