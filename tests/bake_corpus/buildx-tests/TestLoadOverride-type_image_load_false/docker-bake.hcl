target "app" {
				output = ["type=image"]
			}