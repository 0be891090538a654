// End-to-end test of the packaged extension in real VS Code: code-server serves the
// workbench, headless Chromium (driven by playwright-core) is the user.
//
// Scenario "diagnose and fix": an interpreter with shapelint installed (from the
// wheel inside the .vsix); open the seed's batch-axis mistake, wait for the problems
// counter, read the hover, apply the quick fix through Ctrl+., check the file text
// and that the problems counter drops to zero.
// Scenario "install offer": an interpreter without shapelint; the notification and
// the status bar item offer the install, one click installs the bundled wheel and the
// diagnostics appear.
//
// Environment: SHAPELINT_VSIX (required), SHAPELINT_CI_CACHE, SHAPELINT_PYTHON,
// SHAPELINT_E2E_OUT (screenshots, logs, timings), SHAPELINT_E2E_DOCS=1 (also copy the
// README screenshots to docs/images), SHAPELINT_E2E_ONLY=<scenario name>.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const vsix = requiredEnvironment('SHAPELINT_VSIX');
const cache = process.env.SHAPELINT_CI_CACHE ?? path.join(os.homedir(), '.cache', 'shapelint-ci');
const basePython = process.env.SHAPELINT_PYTHON ?? 'python3';
const outDirectory = process.env.SHAPELINT_E2E_OUT ?? path.join(here, 'out');
const codeServer = path.join(here, 'node_modules', '.bin', 'code-server');
const chromiumPath = process.env.SHAPELINT_CHROMIUM ?? '/usr/bin/chromium';
const MISTAKE = path.join(repo, 'examples', 'mistakes', 'batch_axis_in_input.py');
const FILE_NAME = path.basename(MISTAKE);
const NOTEBOOK_NAME = FILE_NAME.replace(/\.py$/, '.ipynb');
// A second mistake that stays closed: only "Check Whole Workspace" reports it.
const CLOSED_MISTAKE = path.join(repo, 'examples', 'mistakes', 'missing_channel_axis.py');
const DIAGNOSTIC_TIMEOUT = 90_000;
const INSTALL_TIMEOUT = 300_000;

function requiredEnvironment(name) {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} is not set`);
    }
    return path.resolve(value);
}

function log(message) {
    console.log(`[e2e ${new Date().toISOString().slice(11, 23)}] ${message}`);
}

function run(command, args, options = {}) {
    const result = spawnSync(command, args, { encoding: 'utf8', ...options });
    if (result.status !== 0) {
        throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
}

// ---- Python environments ------------------------------------------------------------

/** The wheel inside the .vsix: the e2e test runs exactly the server that ships. */
function extractBundledWheel(into) {
    const script = [
        'import sys, zipfile, os',
        'archive = zipfile.ZipFile(sys.argv[1])',
        'names = [n for n in archive.namelist() if n.endswith(".whl")]',
        'assert len(names) == 1, names',
        'target = os.path.join(sys.argv[2], os.path.basename(names[0]))',
        'open(target, "wb").write(archive.read(names[0]))',
        'print(target)',
    ].join('\n');
    fs.mkdirSync(into, { recursive: true });
    return run(basePython, ['-c', script, vsix, into]).trim();
}

function createVenv(directory) {
    fs.rmSync(directory, { recursive: true, force: true });
    run(basePython, ['-m', 'venv', directory]);
    return path.join(directory, 'bin', 'python');
}

function pythonWithShapelint(wheel) {
    const python = path.join(cache, 'e2e-python-with-shapelint', 'bin', 'python');
    if (!fs.existsSync(python)) {
        createVenv(path.dirname(path.dirname(python)));
    }
    const quiet = ['--disable-pip-version-check', '--no-input', '--quiet'];
    run(python, ['-m', 'pip', 'install', ...quiet, wheel]);
    // Replace whatever an earlier run installed with this build's server.
    run(python, ['-m', 'pip', 'install', ...quiet, '--force-reinstall', '--no-deps', wheel]);
    return python;
}

function importsShapelint(python) {
    return spawnSync(python, ['-c', 'import shapelint, pygls, lsprotocol, libcst']).status === 0;
}

// ---- code-server --------------------------------------------------------------------

function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

function workbenchSettings(interpreter) {
    return {
        'shapelint.interpreter': interpreter,
        'shapelint.trace.server': 'messages',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'editor.minimap.enabled': false,
        'editor.hover.delay': 300,
        'files.autoSave': 'off',
        'window.restoreWindows': 'none',
    };
}

/** The mistake as a Jupyter notebook: one code cell per blank-line-separated block. */
function notebookOf(source) {
    const blocks = source.split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean);
    const cells = blocks.map((block) => ({
        cell_type: 'code',
        execution_count: null,
        metadata: {},
        outputs: [],
        source: block.split('\n').map((line, index, lines) => (index < lines.length - 1 ? `${line}\n` : line)),
    }));
    return {
        cells,
        metadata: {
            kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
            language_info: { name: 'python' },
        },
        nbformat: 4,
        nbformat_minor: 5,
    };
}

async function startCodeServer(name, interpreter, extensionsDirectory) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `shapelint-e2e-${name}-`));
    const userData = path.join(root, 'user-data');
    const workspace = path.join(root, 'workspace');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.mkdirSync(workspace);
    fs.copyFileSync(MISTAKE, path.join(workspace, FILE_NAME));
    fs.copyFileSync(CLOSED_MISTAKE, path.join(workspace, path.basename(CLOSED_MISTAKE)));
    fs.writeFileSync(path.join(workspace, NOTEBOOK_NAME), JSON.stringify(notebookOf(fs.readFileSync(MISTAKE, 'utf8')), null, 1));
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(workbenchSettings(interpreter), null, 2));
    const port = await freePort();
    const logFile = fs.openSync(path.join(outDirectory, `code-server-${name}.log`), 'w');
    const child = spawn(
        codeServer,
        [
            '--auth', 'none',
            '--bind-addr', `127.0.0.1:${port}`,
            '--user-data-dir', userData,
            '--extensions-dir', extensionsDirectory,
            '--disable-telemetry',
            '--disable-update-check',
            '--disable-workspace-trust',
            '--disable-getting-started-override',
            workspace,
        ],
        { stdio: ['ignore', logFile, logFile], detached: true, env: { ...process.env, SHAPELINT_E2E: '1' } },
    );
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        try {
            const response = await fetch(`${url}/healthz`);
            if (response.ok) {
                break;
            }
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline || child.exitCode !== null) {
            throw new Error(`code-server did not start; see ${outDirectory}/code-server-${name}.log`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return {
        url: `${url}/?folder=${encodeURIComponent(workspace)}`,
        workspace,
        userData,
        stop() {
            try {
                process.kill(-child.pid, 'SIGTERM');
            } catch {
                // already gone
            }
            try {
                // Keep VS Code's logs (the extension's output channel among them) next to the screenshots.
                fs.cpSync(path.join(userData, 'logs'), path.join(outDirectory, `logs-${name}`), { recursive: true });
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        },
    };
}

// ---- the workbench, as a user sees it -----------------------------------------------

/** The problems counter in the status bar as numbers, read from its accessible label. */
async function problemCounts(page) {
    const label = await page
        .locator('[id="status.problems"]')
        .first()
        .evaluate((element) => element.getAttribute('aria-label') || element.querySelector('[aria-label]')?.getAttribute('aria-label') || element.textContent || '');
    if (/no problems/i.test(label)) {
        return { errors: 0, warnings: 0, label };
    }
    // "Errors: 2", "Warnings: 1", "Errors: 2, Warnings: 1" (a kind with no problems is left out).
    const count = (kind) => Number(new RegExp(`${kind}s?:\\s*(\\d+)`, 'i').exec(label)?.[1] ?? 0);
    const errors = /error|warning/i.test(label) ? count('error') : NaN;
    const warnings = /error|warning/i.test(label) ? count('warning') : NaN;
    return { errors, warnings, label };
}

async function waitForProblems(page, predicate, timeout, what) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
        last = await problemCounts(page).catch((error) => ({ errors: NaN, warnings: NaN, label: String(error) }));
        if (predicate(last)) {
            return last;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}; problems counter says "${last.label}"`);
        }
        await page.waitForTimeout(100);
    }
}

async function openWorkbench(browser, server) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('[id="status.problems"]').first().waitFor();
    return { context, page };
}

/** Opens a file from the Explorer; resolves with the time the click happened. */
async function openFileFromExplorer(page, name = FILE_NAME) {
    const item = page.getByRole('treeitem', { name });
    await item.waitFor();
    const openedAt = Date.now();
    await item.dblclick();
    await page.locator('.monaco-editor .view-lines', { hasText: 'keras.Input' }).first().waitFor();
    return openedAt;
}

/** Runs a command from the Command Palette (F1). */
async function runCommand(page, title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
}

/** Opens a file through Quick Open (Ctrl+P) without touching the mouse. */
async function openFileWithQuickOpen(page, name) {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor();
    await input.fill(name);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-lines', { hasText: 'keras.Input' }).first().waitFor();
}

async function editorText(page) {
    const text = await page.locator('.monaco-editor .view-lines').first().innerText();
    return text.replace(/\u00a0/g, ' ');
}

async function screenshot(page, name) {
    const file = path.join(outDirectory, `${name}.png`);
    await page.screenshot({ path: file });
    log(`screenshot ${file}`);
    return file;
}

function assert(condition, message) {
    if (!condition) {
        throw new Error(`assertion failed: ${message}`);
    }
}

// ---- scenarios ----------------------------------------------------------------------

async function diagnoseAndFix(browser, extensionsDirectory, wheel, timings) {
    const python = pythonWithShapelint(wheel);
    assert(importsShapelint(python), `${python} imports shapelint`);
    const server = await startCodeServer('fix', python, extensionsDirectory);
    let openedAtForBreakdown = 0;
    const { context, page } = await openWorkbench(browser, server);
    try {
        assert((await problemCounts(page)).errors === 0, 'no problems before the file is opened');
        const openedAt = await openFileFromExplorer(page);
        openedAtForBreakdown = openedAt;
        const counts = await waitForProblems(page, (c) => c.errors >= 1, DIAGNOSTIC_TIMEOUT, 'the SL101 error');
        timings.openToFirstDiagnosticMs = Date.now() - openedAt;
        log(`first diagnostic after ${timings.openToFirstDiagnosticMs} ms (${counts.label})`);
        await page.locator('.statusbar-item', { hasText: 'shapelint' }).locator('.codicon-check').first().waitFor();

        // The hover over the squiggle shows the diagnostic message.
        const squiggle = page.locator('.monaco-editor .squiggly-error').first();
        await squiggle.waitFor();
        const box = await squiggle.boundingBox();
        assert(box !== null, 'the squiggle is visible');
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        const hover = page.locator('.monaco-hover:visible', { hasText: 'SL101' }).first();
        await hover.waitFor();
        const hoverText = await hover.innerText();
        log(`hover: ${hoverText.replace(/\s+/g, ' ').slice(0, 300)}`);
        assert(/sample axis|batch axis/i.test(hoverText), 'the hover explains the batch/sample axis');
        assert(hoverText.includes('(1000, 50, 1)') && hoverText.includes('(50, 1)'), 'the hover names both shapes');
        assert(/shapelint/i.test(hoverText), 'the hover names shapelint as the source');
        await screenshot(page, 'vscode-squiggle-hover');

        // The quick fix through Ctrl+. at the squiggle.
        await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+Period');
        const menu = page.locator('.action-widget:visible').first();
        await menu.waitFor();
        const items = menu.locator('.monaco-list-row.action');
        await items.first().waitFor();
        const titles = await items.allInnerTexts();
        log(`quick fixes: ${JSON.stringify(titles)}`);
        const fixIndex = titles.findIndex((title) => /sample axis|batch axis|shape=\(50, 1\)/i.test(title));
        assert(fixIndex >= 0, `the menu offers the batch-axis fix (got ${JSON.stringify(titles)})`);
        await items.nth(fixIndex).hover();
        await screenshot(page, 'vscode-quick-fix');
        const before = fs.readFileSync(path.join(server.workspace, FILE_NAME), 'utf8');
        await items.nth(fixIndex).click();
        await page.locator('.monaco-editor .view-lines', { hasText: 'keras.Input(shape=(50, 1))' }).first().waitFor();
        assert(!(await editorText(page)).includes('shape=(1000, 50, 1)'), 'the batch axis is gone from the editor');

        const cleared = await waitForProblems(page, (c) => c.errors === 0 && c.warnings === 0, DIAGNOSTIC_TIMEOUT, 'zero problems');
        log(`after the fix: ${cleared.label}`);
        await page.keyboard.press('Control+S');
        const file = path.join(server.workspace, FILE_NAME);
        const deadline = Date.now() + 10_000;
        while (fs.readFileSync(file, 'utf8') === before && Date.now() < deadline) {
            await page.waitForTimeout(100);
        }
        const after = fs.readFileSync(file, 'utf8');
        assert(after !== before, 'the saved file changed');
        assert(after.includes('keras.Input(shape=(50, 1))'), 'the saved file declares shape=(50, 1)');
        assert(after.replace('keras.Input(shape=(50, 1))', 'keras.Input(shape=(1000, 50, 1))') === before, 'the fix changed only the shape');
        await screenshot(page, 'vscode-fixed');

        // The same mistake in a notebook. Opened now, with the extension host surely up:
        // a notebook opened before code-server has registered the ipynb serializer opens as JSON text.
        const notebookOpenedAt = await openFileFromExplorer(page, NOTEBOOK_NAME);
        await page.locator('.notebook-editor').first().waitFor();
        await waitForProblems(page, (c) => c.errors >= 1, DIAGNOSTIC_TIMEOUT, 'the SL101 error in the notebook');
        timings.notebookOpenToFirstDiagnosticMs = Date.now() - notebookOpenedAt;
        log(`notebook: first diagnostic after ${timings.notebookOpenToFirstDiagnosticMs} ms`);
        const cellEditor = page.locator('.notebook-editor .monaco-editor', { has: page.locator('.squiggly-error') }).first();
        await cellEditor.waitFor();
        const cellText = (await cellEditor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
        assert(cellText.includes('keras.Input(shape=(1000, 50, 1))'), `the squiggle is in the cell declaring the Input (got ${cellText})`);
        await screenshot(page, 'vscode-notebook');

        // "Check Whole Workspace" runs the CLI and reports the file nobody opened.
        const beforeCheck = await problemCounts(page);
        await runCommand(page, 'shapelint: Check Whole Workspace');
        const summary = page.locator('.notification-toast', { hasText: /shapelint: \d+ problems? in \d+ files?/ }).first();
        await summary.waitFor({ timeout: DIAGNOSTIC_TIMEOUT });
        log(`workspace check: ${(await summary.innerText()).replace(/\s+/g, ' ')}`);
        const afterCheck = await waitForProblems(page, (c) => c.errors + c.warnings > beforeCheck.errors + beforeCheck.warnings, DIAGNOSTIC_TIMEOUT, 'the closed file\'s problem');
        assert(afterCheck.errors + afterCheck.warnings === beforeCheck.errors + beforeCheck.warnings + 1, `exactly the closed file's problem is added (${beforeCheck.label} -> ${afterCheck.label})`);
    } catch (error) {
        await screenshot(page, 'failure-fix').catch(() => undefined);
        throw error;
    } finally {
        await context.close();
        server.stop();
    }
    // shapelint.trace.server alone turns on the LSP trace in the shapelint output.
    const output = extensionLog('fix');
    Object.assign(timings, startupBreakdown('fix', output, openedAtForBreakdown));
    assert(/\[trace\] Sending request 'initialize/.test(output), 'the shapelint output traces the LSP messages');
    assert(/\[trace\] Received notification 'textDocument\/publishDiagnostics'/.test(output), 'the trace shows the diagnostics');
}

/**
 * Where the time from opening the file to the first diagnostic goes: activation from
 * VS Code's extension host log, the durations the extension logs itself, and the LSP
 * trace's timestamps (local time, like Date).
 */
function startupBreakdown(name, output, openedAt) {
    const stampOf = (text, pattern) => {
        const line = text.split('\n').find((candidate) => pattern.test(candidate));
        const match = line && /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(line);
        return match ? new Date(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6], +match[7]).getTime() : NaN;
    };
    const hostLog = logFile(name, 'remoteexthost.log');
    const number = (pattern) => Number(pattern.exec(output)?.[1] ?? NaN);
    const didOpen = stampOf(output, /Sending notification 'textDocument\/didOpen'/);
    return {
        openToActivationMs: stampOf(hostLog, /_doActivateExtension shapelint\.shapelint/) - openedAt,
        interpreterCheckMs: number(/interpreter check \((\d+) ms\)/),
        serverStartMs: number(/server ready after (\d+) ms/),
        didOpenToDiagnosticsMs: stampOf(output, /Received notification 'textDocument\/publishDiagnostics'/) - didOpen,
    };
}

function logFile(name, suffix) {
    const logs = path.join(outDirectory, `logs-${name}`);
    const files = fs.readdirSync(logs, { recursive: true }).filter((file) => String(file).endsWith(suffix));
    assert(files.length === 1, `one ${suffix} in ${logs} (found ${files.length})`);
    return fs.readFileSync(path.join(logs, String(files[0])), 'utf8');
}

/** The shapelint output channel of a finished code-server run. */
function extensionLog(name) {
    return logFile(name, path.join('shapelint.shapelint', 'shapelint.log'));
}

async function installOffer(browser, extensionsDirectory, timings) {
    const python = createVenv(fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-e2e-bare-python-')));
    assert(!importsShapelint(python), `${python} starts without shapelint`);
    const server = await startCodeServer('install', python, extensionsDirectory);
    const { context, page } = await openWorkbench(browser, server);
    try {
        // The workspace holds Python files, so the extension starts, checks the
        // interpreter and makes its offer as the window opens.
        const toast = page.locator('.notification-toast', { hasText: 'shapelint is not installed' }).first();
        await toast.waitFor({ timeout: DIAGNOSTIC_TIMEOUT });
        // A warning toast hides itself after a while unless the pointer rests on it;
        // the file is then opened from the keyboard, which leaves the pointer there.
        await toast.hover();
        await openFileWithQuickOpen(page, FILE_NAME);
        const message = await toast.innerText();
        log(`notification: ${message.replace(/\s+/g, ' ')}`);
        assert(message.includes(python), 'the notification names the interpreter');
        assert(/missing: shapelint/.test(message), 'the notification names the missing modules');
        const status = page.locator('.statusbar-item', { hasText: 'shapelint: not installed' }).first();
        await status.waitFor();
        assert((await problemCounts(page)).errors === 0, 'no diagnostics without the server');
        await screenshot(page, 'vscode-install-offer');

        const installStartedAt = Date.now();
        await toast.getByRole('button', { name: 'Install' }).click();
        await waitForProblems(page, (c) => c.errors >= 1, INSTALL_TIMEOUT, 'diagnostics after the install');
        timings.installToFirstDiagnosticMs = Date.now() - installStartedAt;
        log(`installed and diagnosed after ${timings.installToFirstDiagnosticMs} ms`);
        assert(importsShapelint(python), 'shapelint is installed in the interpreter');
        const version = run(python, ['-c', 'from importlib.metadata import version; print(version("shapelint"))']).trim();
        const expected = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version;
        assert(version === expected, `the installed shapelint is the bundled ${expected} (got ${version})`);
        await page.locator('.statusbar-item', { hasText: 'shapelint' }).filter({ hasNotText: 'not installed' }).first().waitFor();
        await screenshot(page, 'vscode-installed');
    } catch (error) {
        await screenshot(page, 'failure-install').catch(() => undefined);
        throw error;
    } finally {
        await context.close();
        server.stop();
        fs.rmSync(path.dirname(path.dirname(python)), { recursive: true, force: true });
    }
}

async function main() {
    fs.rmSync(outDirectory, { recursive: true, force: true });
    fs.mkdirSync(outDirectory, { recursive: true });
    const started = Date.now();
    const timings = { vsixBytes: fs.statSync(vsix).size };
    const extensionsDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-e2e-extensions-'));
    log(`installing ${vsix}`);
    run(codeServer, ['--extensions-dir', extensionsDirectory, '--install-extension', vsix]);
    const wheel = extractBundledWheel(path.join(outDirectory, 'wheel'));
    const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const scenarios = {
        'diagnose-and-fix': () => diagnoseAndFix(browser, extensionsDirectory, wheel, timings),
        'install-offer': () => installOffer(browser, extensionsDirectory, timings),
    };
    const only = process.env.SHAPELINT_E2E_ONLY;
    let failed = false;
    try {
        for (const [name, scenario] of Object.entries(scenarios)) {
            if (only && only !== name) {
                continue;
            }
            log(`scenario ${name}`);
            try {
                await scenario();
                log(`PASS ${name}`);
            } catch (error) {
                failed = true;
                log(`FAIL ${name}: ${error.stack ?? error}`);
            }
        }
    } finally {
        await browser.close();
        fs.rmSync(extensionsDirectory, { recursive: true, force: true });
    }
    timings.totalMs = Date.now() - started;
    fs.writeFileSync(path.join(outDirectory, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    log(`timings: ${JSON.stringify(timings)}`);
    if (process.env.SHAPELINT_E2E_DOCS === '1' && !failed) {
        const images = path.join(repo, 'docs', 'images');
        fs.mkdirSync(images, { recursive: true });
        for (const name of ['vscode-squiggle-hover', 'vscode-quick-fix', 'vscode-install-offer']) {
            fs.copyFileSync(path.join(outDirectory, `${name}.png`), path.join(images, `${name}.png`));
        }
        log(`copied the README screenshots to ${images}`);
    }
    process.exitCode = failed ? 1 : 0;
}

await main();
