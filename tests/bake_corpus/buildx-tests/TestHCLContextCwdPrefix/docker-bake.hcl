target "app" {
				context = "cwd://foo"
				dockerfile = "test"
			}