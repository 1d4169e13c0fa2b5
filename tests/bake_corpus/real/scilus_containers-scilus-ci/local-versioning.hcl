dockerhub-user-pull="scilus"
dockerhub-user-push="scilus"
scilpy-version="2.2.1"
DEPS_TAG="2025.1.0"
