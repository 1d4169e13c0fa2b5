
target "app" {
  context = "."
  contexts = {
    shared = "../shared"
  }
}

target "implicit" {
  dockerfile-inline = <<EOT
FROM scratch
EOT
}