
target "app" {
  dockerfile-inline = <<EOT
FROM scratch
EOT
}