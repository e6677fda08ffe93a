#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, the Rust test suite, and the
# VS Code extension's checks (grammar tests, bundle, .vsix build).
# Usage: scripts/test.sh   (from anywhere; installs missing dependencies first)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"

echo "== NATS transport (feature nats): lints and tests against a real nats-server"
cargo clippy --workspace --all-targets --features nats --locked -- -D warnings
cargo test --locked --features nats --test 'nats_*' 2>&1 | tee -a "$log"

echo "== VS Code extension"
bash lcc-lsp/editors/vscode/ci.sh

echo "== all tests passed"

# One closing line for the whole Rust suite: the sum of every test binary's result.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "rust: %d passed, %d failed\n", p, f }' "$log"
