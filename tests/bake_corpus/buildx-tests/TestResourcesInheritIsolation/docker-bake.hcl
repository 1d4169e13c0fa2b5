target "base" {
		resources = {
			memory = "1g"
		}
	}
	target "child1" {
		inherits = ["base"]
		resources = {
			memory = "2g"
		}
	}
	target "child2" {
		inherits = ["base"]
	}