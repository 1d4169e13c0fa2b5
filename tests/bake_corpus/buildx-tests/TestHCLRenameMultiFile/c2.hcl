
		target "foo" {
			context = "y"
		}
		