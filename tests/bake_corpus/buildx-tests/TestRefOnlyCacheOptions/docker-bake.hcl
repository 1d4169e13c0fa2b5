target "app" {
				output = ["type=image,name=foo"]
        cache-from = ["ref1,ref2"]
			}