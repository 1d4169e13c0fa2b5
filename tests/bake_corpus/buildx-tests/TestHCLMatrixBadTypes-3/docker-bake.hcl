
		target "default" {
			matrix = {
				["a"] = ["b"]
			}
		}
		