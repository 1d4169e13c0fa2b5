target "app" {
				output = ["type=image,compression=zstd"]
			}