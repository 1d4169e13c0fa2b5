target "app" {
				output = ["type=registry"]
			}