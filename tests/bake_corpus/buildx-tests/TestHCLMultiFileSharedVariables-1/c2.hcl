
		target "app" {
			args = {
				v2 = "${FOO}-post"
			}
		}
		