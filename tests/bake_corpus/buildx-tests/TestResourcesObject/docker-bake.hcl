target "app" {
		resources = {
			memory = "2g"
			memory-swap = "4g"
			cpu-shares = 1024
			cpu-quota = 50000
			cpuset-cpus = "0-3"
		}
	}