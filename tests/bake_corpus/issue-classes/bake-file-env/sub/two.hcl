target "default" { platforms = ["linux/arm64"] }
