-- End-to-end test of `podlint lsp` in Neovim's built-in LSP client (headless).
-- Run by scripts/editor-test.sh: nvim --headless --clean -c "luafile e2e.lua"
-- with PODLINT (the binary) and MANIFEST (a copy of testdata/lsp/mistakes.yaml).
-- It applies the restart-policy rule's fix, then suppresses probe-port-undeclared,
-- checking the buffer and the diagnostics left after each.
-- Neovim 0.7 (Debian 12) and later: only APIs 0.7 has.
local function fail(msg)
  io.stderr:write("nvim e2e: FAIL: " .. msg .. "\n")
  vim.cmd("cquit 1")
end

local function codes(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)))
  end
  table.sort(out)
  return table.concat(out, ",")
end

local ok, err = pcall(function()
  local manifest = os.getenv("MANIFEST")
  vim.cmd("edit " .. vim.fn.fnameescape(manifest))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "podlint",
    cmd = { os.getenv("PODLINT"), "lsp" },
    root_dir = vim.fn.fnamemodify(manifest, ":h"),
  })
  if not client_id then fail("podlint lsp did not start") end
  vim.lsp.buf_attach_client(bufnr, client_id)

  -- The manifest's two mistakes arrive as diagnostics.
  if not vim.wait(20000, function() return codes(bufnr) == "probe-port-undeclared,restart-policy" end, 50) then
    fail("diagnostics on open: " .. codes(bufnr))
  end
  io.stdout:write("nvim e2e: diagnostics on open: " .. codes(bufnr) .. "\n")

  -- Ask for the code actions on one diagnostic and apply the quick fix
  -- chosen by pick, as choosing it from vim.lsp.buf.code_action() would.
  local function apply(code, pick)
    local diag
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.code == code then diag = d end
    end
    if not diag then fail("no diagnostic " .. code) end
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = { start = { line = diag.lnum, character = diag.col }, ["end"] = { line = diag.end_lnum, character = diag.end_col } },
      context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, diag.lnum) },
    }
    local results = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 10000)
    local chosen
    for _, res in pairs(results or {}) do
      for _, action in ipairs(res.result or {}) do
        io.stdout:write("nvim e2e: code action offered on " .. code .. ": " .. action.title .. "\n")
        if action.kind == "quickfix" and pick(action) then chosen = action end
      end
    end
    if not chosen then fail("no such quick fix on " .. code) end
    io.stdout:write("nvim e2e: applying: " .. chosen.title .. "\n")
    vim.lsp.util.apply_workspace_edit(chosen.edit, "utf-16")
  end
  local function buffer() return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n") end

  -- 1. The rule's own fix: restartPolicy becomes Always, the other mistake stays.
  apply("restart-policy", function(a) return a.isPreferred end)
  if not vim.wait(20000, function() return codes(bufnr) == "probe-port-undeclared" end, 50) then
    fail("diagnostics after the fix: " .. codes(bufnr))
  end
  if not buffer():find("\n      restartPolicy: Always\n", 1, true) then fail("buffer after the fix:\n" .. buffer()) end
  io.stdout:write("nvim e2e: diagnostics after the fix: " .. codes(bufnr) .. "\n")

  -- 2. Suppress the other rule here: a comment above its line, no diagnostics left.
  apply("probe-port-undeclared", function(a) return a.title:find("^Suppress") ~= nil end)
  if not vim.wait(20000, function() return codes(bufnr) == "" end, 50) then
    fail("diagnostics after suppressing: " .. codes(bufnr))
  end
  local expect = "\n          # podlint:ignore probe-port-undeclared\n          httpGet: {path: /healthz, port: http}"
  if not buffer():find(expect, 1, true) then fail("buffer after suppressing:\n" .. buffer()) end
  io.stdout:write("nvim e2e: no diagnostics after suppressing\n")
  vim.lsp.stop_client(client_id)
end)
if not ok then fail(tostring(err)) end
io.stdout:write("nvim e2e: ok\n")
vim.cmd("qall!")
