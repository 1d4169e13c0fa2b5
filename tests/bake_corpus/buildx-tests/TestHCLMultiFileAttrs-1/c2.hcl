
		FOO="def"
		