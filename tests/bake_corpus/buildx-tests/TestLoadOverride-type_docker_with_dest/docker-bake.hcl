target "app" {
				output = ["type=docker,dest=out"]
			}