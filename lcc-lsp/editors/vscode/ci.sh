#!/usr/bin/env bash
# Builds, tests and packages the VS Code extension. Needs Node.js 20 and npm only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

npm ci --no-audit --no-fund
npm run ci

vsix=lcc-vscode.vsix
if [[ ! -s "$vsix" ]]; then
  echo "ci.sh: $vsix was not produced" >&2
  exit 1
fi
if command -v unzip >/dev/null 2>&1; then
  listing=$(unzip -l "$vsix")
else
  listing=$(python3 -m zipfile -l "$vsix")
fi
echo "$listing"
for f in extension/dist/extension.js extension/package.json extension/syntaxes/lcc.tmLanguage.json \
         extension/snippets/lcc.json extension/language-configuration.json; do
  if ! grep -qF "$f" <<<"$listing"; then
    echo "ci.sh: $vsix does not contain $f" >&2
    exit 1
  fi
done
for f in extension/src/ extension/tests/ extension/node_modules/ extension/scripts/; do
  if grep -qF "$f" <<<"$listing"; then
    echo "ci.sh: $vsix should not contain $f" >&2
    exit 1
  fi
done
echo "ci.sh: OK ($vsix, $(wc -c <"$vsix") bytes)"
