group "default" { targets = ["nope"] }
target "app" {}
