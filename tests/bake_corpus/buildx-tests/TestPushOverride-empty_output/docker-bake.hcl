target "app" {
			}