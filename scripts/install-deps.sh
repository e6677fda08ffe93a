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

# --- lcc-vmm (issue 6): libvirt and QEMU for the libvirt backend and its
# end-to-end test (see lcc-vmm/tests/libvirt_e2e.rs). `libvirt-dev` is what the
# `virt` crate links against; the daemons run as the unprivileged `lcchost` user.
for p in libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86; do
  need "$p"
done
# --- end lcc-vmm

# --- lcc peer over NATS (issue 7): the tests/nats_*.rs tests start Debian's
# nats-server (bookworm: 2.9.10) with JetStream on a loopback port.
need nats-server
# tests/nats_security.rs makes its TLS test certificates with openssl.
need openssl
# --- end NATS

if ((${#apt_packages[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages ${apt_packages[*]}; run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_packages[@]}"
fi

# --- lcc-vmm (issue 6): the user that runs the libvirt session daemons (PMs).
if ! id lcchost >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    useradd -m lcchost
  else
    echo "install-deps: user lcchost missing; run as root to create it" >&2
  fi
fi
# --- end lcc-vmm

# Rust components used by the checks.
rustup component add rustfmt clippy >/dev/null 2>&1 || true
