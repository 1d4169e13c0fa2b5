target "app" {
				dockerfile = "app.Dockerfile"
				network = "none"
			}