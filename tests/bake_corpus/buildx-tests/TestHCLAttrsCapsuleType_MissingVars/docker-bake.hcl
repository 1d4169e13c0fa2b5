
	target "app" {
		attest = [
			"type=sbom,disabled=${SBOM}",
		]

		cache-from = [
			{ type = "registry", ref = "user/app:${FOO1}" },
      "type=local,src=path/to/cache:${FOO2}",
		]

		cache-to = [
			{ type = "local", dest = "path/to/${BAR}" },
		]

		output = [
			{ type = "oci", dest = "../${OUTPUT}.tar" },
		]

		secret = [
			{ id = "mysecret", src = "/local/${SECRET}" },
		]

		ssh = [
			{ id = "key", paths = ["path/to/${SSH_KEY}"] },
		]
	}
	