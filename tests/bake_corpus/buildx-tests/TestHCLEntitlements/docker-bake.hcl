target "app" {
				entitlements = ["security.insecure", "network.host"]
			}