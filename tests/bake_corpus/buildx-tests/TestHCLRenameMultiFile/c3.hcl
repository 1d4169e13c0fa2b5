
		target "bar" {
			target = "z"
		}
		