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
cargo test --workspace --locked

echo "== VS Code extension"
bash lcc-lsp/editors/vscode/ci.sh

echo "== all tests passed"
