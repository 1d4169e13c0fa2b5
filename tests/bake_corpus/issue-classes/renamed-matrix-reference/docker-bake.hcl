target "build" {
  name = "build-${v}"
  matrix = { v = ["1", "2"] }
  args = { V = v }
}
target "default" { args = { FROM = target.build-2.args.V } }
