-- End-to-end test of `lcc lsp` through Neovim's built-in LSP client (0.7 or later),
-- run headless by the root crate's test `tests/lsp_e2e.rs`:
--
--   LCC_BIN=target/debug/lcc LCC_E2E_FILE=/abs/model.lcc LCC_E2E_OUT=/abs/out.json \
--     nvim --headless -u NONE -i NONE -n -c 'luafile neovim.lua' -c 'cquit 9'
--
-- The model file (written by the test) has a stray `)` on its last line, an emoji
-- before a role reference and a `≤` in a comment. Neovim converts cursor byte
-- columns to UTF-16 itself, so the positions here are a real client's. At the
-- end, a model that deadlocks and a clean one are saved (verify on save).
-- Exit status: 0 all checks passed, 1 a check failed, 2 the script failed,
-- 3 the server did not start; the JSON report lists every failed check.

local report = { failures = {}, steps = {} }
local function fail(msg) table.insert(report.failures, msg) end
local function check(ok, msg) if not ok then fail(msg) end return ok end

local function write_report()
  local ok, encoded = pcall(vim.json.encode, report)
  if not ok then encoded = vim.fn.json_encode(report) end
  vim.fn.writefile({ encoded }, os.getenv('LCC_E2E_OUT'))
end

local TIMEOUT = 15000

-- Saved at the end: the answerer never answers, so the asker waits for ever.
local DEADLOCKS = {
  'r(asker, initial)',
  'r(answerer, necessary)',
  '',
  'a(asker, _A) ::',
  '  question => a(answerer, B) then',
  '  answer <= a(answerer, B)',
  '',
  'a(answerer, _B) ::',
  '  question <= a(asker, _A)',
}
local CLEAN = vim.list_extend(vim.list_slice(DEADLOCKS, 1, 8), {
  '  question <= a(asker, A) then',
  '  answer => a(asker, A)',
})

local function main()
  local file = assert(os.getenv('LCC_E2E_FILE'), 'LCC_E2E_FILE')
  local root = vim.fn.fnamemodify(file, ':h')
  local uri = vim.uri_from_fname(file)
  local diagnostics = {}
  local exited = nil

  local client_id = vim.lsp.start_client({
    name = 'lcc',
    cmd = { assert(os.getenv('LCC_BIN'), 'LCC_BIN'), 'lsp' },
    root_dir = root,
    init_options = { verifyOnSave = true, verifyTimeBudgetMs = 2000 },
    flags = { debounce_text_changes = 0 },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        if result and result.uri == uri then table.insert(diagnostics, result) end
        return vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
      end,
    },
    on_exit = function(code, signal) exited = { code = code, signal = signal } end,
  })
  if not client_id then fail('start_client failed') return 3 end
  local client = vim.lsp.get_client_by_id(client_id)

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'lcc'
  vim.lsp.buf_attach_client(buf, client_id)
  if not vim.wait(TIMEOUT, function() return client.initialized or exited ~= nil end, 10) or not client.initialized then
    fail('the server did not initialize: ' .. vim.inspect(exited))
    return 3
  end
  report.encoding = client.offset_encoding

  -- Diagnostics of the current buffer version.
  local function diagnostics_now()
    local version = vim.lsp.util.buf_versions[buf]
    local got = vim.wait(TIMEOUT, function()
      local last = diagnostics[#diagnostics]
      return last ~= nil and last.version == version
    end, 10)
    check(got, 'no diagnostics for version ' .. tostring(version))
    local last = diagnostics[#diagnostics]
    return last and last.diagnostics or {}
  end
  local function codes(list)
    local out = {}
    for _, d in ipairs(list) do table.insert(out, d.code) end
    return out
  end

  local first = diagnostics_now()
  report.first_codes = codes(first)
  report.first_version = diagnostics[#diagnostics] and diagnostics[#diagnostics].version

  -- Put the cursor on the `n`th occurrence of `needle` (plain text, byte column).
  local function cursor_on(needle, nth, delta)
    nth = nth or 1
    local seen = 0
    for row, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
      local from = 1
      while true do
        local s = line:find(needle, from, true)
        if not s then break end
        seen = seen + 1
        if seen == nth then
          vim.api.nvim_win_set_cursor(0, { row, s - 1 + (delta or 0) })
          return vim.lsp.util.make_position_params(0, client.offset_encoding)
        end
        from = s + 1
      end
    end
    error('not found: ' .. needle)
  end
  local function request(name, method, params)
    local response, err = client.request_sync(method, params, TIMEOUT, buf)
    if not check(response ~= nil, name .. ': no response (' .. tostring(err) .. ')') then return nil end
    if not check(response.err == nil, name .. ': error ' .. vim.inspect(response.err)) then return nil end
    report.steps[name] = response.result == nil and vim.NIL or response.result
    return response.result
  end
  local function encoded(value)
    local ok, text = pcall(vim.json.encode, value)
    return ok and text or ''
  end

  -- Hover and definition on `seller` after the emoji (line 3).
  local on_seller = cursor_on('a(seller', 1, 2)
  report.seller_position = on_seller.position
  local hover = request('hover', 'textDocument/hover', on_seller)
  check(hover and encoded(hover):find('a(seller, S) ::', 1, true), 'hover shows the clause head')
  local definition = request('definition', 'textDocument/definition', on_seller)
  check(definition and definition[1] and definition[1].range.start.line == 5, 'definition goes to the seller clause')

  local references = on_seller
  references.context = { includeDeclaration = true }
  local refs = request('references', 'textDocument/references', references)
  check(refs and #refs == 3, 'three references to seller')

  local at_end = cursor_on('offer(Item, P) <=', 1, 0)
  local completion = request('completion', 'textDocument/completion', at_end)
  local labels = {}
  for _, item in ipairs((completion and (completion.items or completion)) or {}) do labels[item.label] = true end
  check(labels['seller'] and labels['member'] and labels['then'] and labels['Item'], 'completion offers roles, constraints, keywords, variables')

  local signature = request('signatureHelp', 'textDocument/signatureHelp', cursor_on('[apple]', 1, 1))
  check(signature and signature.signatures[1].label == 'member(?Element, +List)' and signature.activeParameter == 1,
    'signature help for member, second argument')

  local doc = { textDocument = { uri = uri } }
  local symbols = request('documentSymbol', 'textDocument/documentSymbol', doc)
  check(symbols and #symbols == 2, 'two clauses in the outline')
  local workspace = request('workspaceSymbol', 'workspace/symbol', { query = 'sell' })
  check(workspace and #workspace >= 1, 'workspace symbol seller')
  local tokens = request('semanticTokens', 'textDocument/semanticTokens/full', doc)
  check(tokens and #tokens.data > 0 and #tokens.data % 5 == 0, 'semantic tokens')
  local folds = request('foldingRange', 'textDocument/foldingRange', doc)
  check(folds and #folds >= 2, 'folding ranges')

  -- Quick fix for the stray `)`, applied as the client applies it.
  local stray = nil
  for _, d in ipairs(first) do if d.code == 'E0105' then stray = d end end
  if check(stray ~= nil, 'the stray ) is reported') then
    local actions = request('codeAction', 'textDocument/codeAction',
      { textDocument = { uri = uri }, range = stray.range, context = { diagnostics = { stray } } })
    if check(actions and actions[1] and actions[1].edit, 'a quick fix with an edit') then
      report.fix_title = actions[1].title
      vim.lsp.util.apply_workspace_edit(actions[1].edit, client.offset_encoding)
      local after = diagnostics_now()
      report.codes_after_fix = codes(after)
      for _, d in ipairs(after) do check(not tostring(d.code):match('^E01'), 'a syntax error is left: ' .. tostring(d.code)) end
    end
  end

  -- Rename the role `buyer` across the buffer.
  local rename = cursor_on('a(buyer', 1, 2)
  local prepared = request('prepareRename', 'textDocument/prepareRename', rename)
  check(prepared and prepared.placeholder == 'buyer', 'prepareRename names buyer')
  rename.newName = 'customer'
  local edit = request('rename', 'textDocument/rename', rename)
  if check(edit and edit.changes, 'rename edits') then
    vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
  end
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  local _, renamed = text:gsub('a%(customer, B%)', '')
  check(renamed == 3 and not text:find('buyer', 1, true), 'buyer renamed to customer everywhere')
  report.text_after_rename = text

  -- Formatting, applied as the client applies it (no edit when already formatted).
  local formatting = request('formatting', 'textDocument/formatting',
    { textDocument = { uri = uri }, options = { tabSize = 2, insertSpaces = true } })
  if formatting and #formatting > 0 then vim.lsp.util.apply_text_edits(formatting, buf, client.offset_encoding) end

  -- Type a broken line: fresh diagnostics for the new version.
  vim.api.nvim_buf_set_lines(buf, 1, 2, false, { 'a(customer, B) :: (' })
  local broken = diagnostics_now()
  check(#broken >= 1, 'a half-typed line is reported')

  -- Verify on save: replace the buffer, wait for its checks, write it, and wait
  -- for the publication that follows the model checker's run (one per save).
  local function saved(lines)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    diagnostics_now()
    local count = #diagnostics
    vim.cmd('silent write')
    local version = vim.lsp.util.buf_versions[buf]
    local got = vim.wait(TIMEOUT, function()
      return #diagnostics > count and diagnostics[#diagnostics].version == version
    end, 10)
    check(got, 'no diagnostics after saving version ' .. tostring(version))
    return got and diagnostics[#diagnostics].diagnostics or {}
  end
  local deadlock = nil
  for _, d in ipairs(saved(DEADLOCKS)) do if d.code == 'V0001' then deadlock = d end end
  if check(deadlock ~= nil, 'a deadlock is reported after saving a model that deadlocks') then
    report.deadlock_line = deadlock.range.start.line
    report.deadlock_steps = {}
    for _, r in ipairs(deadlock.relatedInformation or {}) do
      check(r.location.uri == uri, 'counterexample steps are in the model')
      table.insert(report.deadlock_steps, { line = r.location.range.start.line, message = r.message })
    end
  end
  report.codes_after_clean_save = codes(saved(CLEAN))
  for _, code in ipairs(report.codes_after_clean_save) do
    check(not tostring(code):match('^V'), 'a clean model has no verification finding: ' .. tostring(code))
  end

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return exited ~= nil end, 10)
  report.exit = exited or vim.NIL
  check(exited ~= nil and exited.code == 0, 'the server exits cleanly: ' .. vim.inspect(exited))
  return #report.failures == 0 and 0 or 1
end

local ok, rc = xpcall(main, debug.traceback)
if not ok then
  fail('script error: ' .. tostring(rc))
  rc = 2
end
write_report()
if rc == 0 then vim.cmd('qall!') else vim.cmd('cquit ' .. rc) end
