#!/usr/bin/env bash
# make editor-test: podlint lsp in real editors.
#  1. Neovim (Debian's package), headless, with its built-in LSP client:
#     editors/nvim/e2e.lua opens testdata/lsp/mistakes.yaml, waits for the
#     diagnostics, applies a rule's fix and a suppression, checking the buffer and the
#     diagnostics left after each.
#  2. The VS Code extension (editors/vscode): npm ci, compile, vsce package.
#     No editor is downloaded; the .vsix is checked for the compiled client.
# npm's cache (~/.npm) keeps the second run offline-fast.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v nvim >/dev/null || { echo "editor-test: nvim not found (apt-get install neovim)"; exit 1; }
$GO build -o "$work/podlint" ./cmd/podlint
cp testdata/lsp/mistakes.yaml "$work/mistakes.yaml"
echo "== neovim $(nvim --version | head -n1)"
PODLINT="$work/podlint" MANIFEST="$work/mistakes.yaml" \
  timeout 120 nvim --headless --clean -c "luafile editors/nvim/e2e.lua" </dev/null 2>&1 | tee "$work/nvim.log"
grep -q '^nvim e2e: ok' "$work/nvim.log" || { echo "editor-test: neovim end-to-end test failed"; exit 1; }

echo "== vscode extension (node $(node --version))"
(
  cd editors/vscode
  npm ci --prefer-offline --no-audit --no-fund
  npm run compile
  npx vsce package --skip-license --out "$work/podlint.vsix"
)
# Listed to a file first: grep -q closing the pipe early would fail unzip under pipefail.
unzip -l "$work/podlint.vsix" > "$work/vsix.txt"
grep -q 'extension/out/extension.js' "$work/vsix.txt" || { echo "editor-test: the .vsix lacks out/extension.js"; exit 1; }
grep -q 'extension/node_modules/vscode-languageclient/' "$work/vsix.txt" || { echo "editor-test: the .vsix lacks vscode-languageclient"; exit 1; }
echo "editor-test: ok (neovim end to end, vscode extension packaged)"
