
		variable "FOO" {
			default = []
		}
		target "default" {}