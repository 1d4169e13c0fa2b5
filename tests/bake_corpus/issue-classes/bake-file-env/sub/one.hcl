target "default" { tags = ["one"] }
