# (c) Cartesi and individual authors (see AUTHORS)
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

target "docker-platforms" {
    platforms = [
        "linux/amd64",
        "linux/arm64"
    ]
}
