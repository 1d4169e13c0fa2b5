
		target "app" {
			dockerfile = "x"
		}
		target "app" {
			dockerfile = "y"
		}
		