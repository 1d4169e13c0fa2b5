
target "app" {
  context = target.base.context
}