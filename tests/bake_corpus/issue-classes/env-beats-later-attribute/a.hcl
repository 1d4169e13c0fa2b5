variable "FOO" { default = "abc" }
target "default" { args = { v = "pre-${FOO}" } }
