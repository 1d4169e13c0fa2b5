
		target "app" {
			context = BAKE_CMD_CONTEXT
			dockerfile = "test"
		}
		