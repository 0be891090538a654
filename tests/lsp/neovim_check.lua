-- Headless Neovim 0.7+: start `shapelint server`, open a buggy file, wait for its diagnostics,
-- ask for a hover, and write what the editor saw as JSON. Exit code 0 only when it worked.
local file = os.getenv("SHAPELINT_NVIM_FILE")
local result_path = os.getenv("SHAPELINT_NVIM_RESULT")
local cmd = vim.fn.json_decode(os.getenv("SHAPELINT_NVIM_SERVER"))

local function finish(result, ok)
  local handle = io.open(result_path, "w")
  handle:write(vim.fn.json_encode(result))
  handle:close()
  if ok then vim.cmd("qall!") else vim.cmd("cquit") end
end

local client_id = vim.lsp.start_client({
  name = "shapelint",
  cmd = cmd,
  root_dir = vim.fn.fnamemodify(file, ":h"),
})
if client_id == nil then
  finish({ error = "the server did not start" }, false)
end

vim.cmd("edit " .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(bufnr, client_id)

local seen = vim.wait(30000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 50)

local diagnostics = {}
for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(diagnostics, {
    code = diagnostic.code,
    lnum = diagnostic.lnum,
    col = diagnostic.col,
    source = diagnostic.source,
    message = diagnostic.message,
    severity = diagnostic.severity,
  })
end

local hover = nil
if seen then
  local first = vim.diagnostic.get(bufnr)[1]
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = first.lnum, character = first.col },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 10000) or {}
  for _, response in pairs(responses) do
    if response.result and response.result.contents then
      hover = response.result.contents.value
    end
  end
end

finish({ diagnostics = diagnostics, hover = hover, seen = seen }, seen)
