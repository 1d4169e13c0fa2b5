target "app" {
				output = ["type=docker"]
			}