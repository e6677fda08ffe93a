#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine of the project's
# kind (Rust toolchain and Node.js 20 come with the machine). Idempotent: a
# package already present is not installed again. Needs root for apt-get.
set -euo pipefail

apt_packages=()
need() { dpkg -s "$1" >/dev/null 2>&1 || apt_packages+=("$1"); }

# (Later issues add libvirt, QEMU, nats-server, neovim and spin here.)
need unzip
# --- lcc-lsp (issue 5): the language server's end-to-end test (tests/lsp_e2e.rs)
# drives headless Neovim's built-in LSP client.
need neovim
# --- end lcc-lsp

if ((${#apt_packages[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages ${apt_packages[*]}; run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_packages[@]}"
fi

# Rust components used by the checks.
rustup component add rustfmt clippy >/dev/null 2>&1 || true
