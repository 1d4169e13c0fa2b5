target "foo" {
		  		output = [ "type=local,dest=out" ]
			}
			target "bar" {
			}