target "app" {
				output = ["type=oci,dest=out"]
			}