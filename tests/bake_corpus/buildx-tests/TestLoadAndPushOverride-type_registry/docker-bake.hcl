target "foo" {
		  		output = [ "type=registry" ]
			}