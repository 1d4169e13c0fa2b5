group "default" { targets = ["nope"] }
target "app" { contexts = { base = "target:base" } }
target "base" { contexts = { deeper = "target:deeper" } }
target "deeper" { args = { A = target.app.target } }
target "broken" { inherits = ["missing"] }
