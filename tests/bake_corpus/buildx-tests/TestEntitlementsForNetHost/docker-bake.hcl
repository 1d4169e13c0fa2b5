target "app" {
				dockerfile = "app.Dockerfile"
				network = "host"
			}