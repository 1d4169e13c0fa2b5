
		target "default" {
			matrix = {
				1 = 2
			}
		}
		