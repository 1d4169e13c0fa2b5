target "app" {
				context = "."
				dockerfile = "cwd://Dockerfile.app"
			}