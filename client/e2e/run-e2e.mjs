// End-to-end test of the packaged extension in real VS Code: code-server serves the
// workbench, headless Chromium (driven by playwright-core) is the user.
//
// Scenario "diagnose and fix": an interpreter with shapelint installed (from the
// wheel inside the .vsix); open the seed's batch-axis mistake, wait for the problems
// counter, read the hover, apply the quick fix through Ctrl+., check the file text
// and that the problems counter drops to zero.
// The hover over the finding shows its message once; the same mistake in a notebook;
// the SARIF of the notebook points at the real line of the .ipynb file.
// Scenario "typing": a statement typed character by character with a person's delays
// while the problems counter is sampled: the syntax error of the half-typed line never
// shows, the shape finding stays; once the typing pauses in a broken line its error shows.
// Scenario "install offer": an interpreter without shapelint and no package index (pip's
// configuration off, PIP_NO_INDEX, an unreachable index URL); the notification and the
// status bar item offer the install, one click installs the bundled wheels and the
// diagnostics appear.
// Scenario "notebook confirmation": an interpreter with TensorFlow and confirm "auto":
// the finding of the .py file and then of the notebook gains TensorFlow's error text.
// Skipped when no interpreter with TensorFlow is at hand; its notebook part is skipped
// (with the reason) when the server's CLI does not confirm notebook findings.
//
// Environment: SHAPELINT_VSIX (required), SHAPELINT_CI_CACHE, SHAPELINT_PYTHON,
// SHAPELINT_E2E_OUT (screenshots, logs, timings), SHAPELINT_E2E_DOCS=1 (also copy the
// README screenshots to docs/images), SHAPELINT_E2E_ONLY=<scenario name>,
// SHAPELINT_TF_PYTHON (a Python with TensorFlow; default: the repository's .venv when it has it).
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
// TensorFlow's first import and model build on two shared cores.
const CONFIRMATION_TIMEOUT = 300_000;

/** A scenario that cannot run here (not a failure): its reason is reported. */
class Skip extends Error {}

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

/**
 * The wheels inside the .vsix (shapelint's and its dependencies') and bundle.json: the
 * e2e test runs exactly the server and the dependencies that ship.
 */
function extractBundle(into) {
    const script = [
        'import sys, zipfile, os',
        'archive = zipfile.ZipFile(sys.argv[1])',
        'prefix = "extension/client/out/wheels/"',
        'names = [n for n in archive.namelist() if n.startswith(prefix) and n != prefix]',
        'for name in names:',
        '    open(os.path.join(sys.argv[2], os.path.basename(name)), "wb").write(archive.read(name))',
        'wheel = [n for n in names if os.path.basename(n).startswith("shapelint-")]',
        'assert len(wheel) == 1, names',
        'print(os.path.join(sys.argv[2], os.path.basename(wheel[0])))',
    ].join('\n');
    fs.rmSync(into, { recursive: true, force: true });
    fs.mkdirSync(into, { recursive: true });
    const wheel = run(basePython, ['-c', script, vsix, into]).trim();
    const manifest = JSON.parse(fs.readFileSync(path.join(into, 'bundle.json'), 'utf8'));
    return { directory: into, wheel, manifest };
}

/**
 * The environment of a machine that reaches no package index: none of pip's
 * configuration (files or PIP_* variables, which may name local mirrors), no index, and
 * an index URL nobody answers, should something ask it anyway.
 */
function withoutPackageIndex(environment = process.env) {
    const result = Object.fromEntries(Object.entries(environment).filter(([key]) => !key.startsWith('PIP_')));
    return {
        ...result,
        PIP_CONFIG_FILE: os.devNull,
        PIP_NO_INDEX: '1',
        PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
        PIP_RETRIES: '0',
        PIP_TIMEOUT: '2',
    };
}

/** pip install from the bundle only (what the extension does offline). */
function installFromBundle(python, bundle, extra = []) {
    const quiet = ['--disable-pip-version-check', '--no-input', '--quiet'];
    run(python, ['-m', 'pip', 'install', ...quiet, '--no-index', '--find-links', bundle.directory, ...extra, bundle.wheel], {
        env: withoutPackageIndex(),
    });
}

function createVenv(directory) {
    fs.rmSync(directory, { recursive: true, force: true });
    run(basePython, ['-m', 'venv', directory]);
    return path.join(directory, 'bin', 'python');
}

function pythonWithShapelint(bundle) {
    const python = path.join(cache, 'e2e-python-with-shapelint', 'bin', 'python');
    if (!fs.existsSync(python)) {
        createVenv(path.dirname(path.dirname(python)));
    }
    installFromBundle(python, bundle);
    // Replace whatever an earlier run installed with this build's server.
    installFromBundle(python, bundle, ['--force-reinstall', '--no-deps']);
    return python;
}

/**
 * A Python with TensorFlow and this build's server: a virtual environment that sees the
 * TensorFlow interpreter's site-packages after its own (a .pth line), so the bundled
 * shapelint, not an editable checkout there, is the one imported. Undefined without one.
 */
function pythonWithTensorflow(bundle) {
    const candidates = [process.env.SHAPELINT_TF_PYTHON, path.join(repo, '.venv', 'bin', 'python')].filter(Boolean);
    const source = candidates.find((candidate) => fs.existsSync(candidate) && spawnSync(candidate, ['-c', 'import tensorflow']).status === 0);
    if (!source) {
        return undefined;
    }
    const purelib = run(source, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).trim();
    const python = createVenv(path.join(cache, 'e2e-python-with-tensorflow'));
    const ownPurelib = run(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).trim();
    fs.writeFileSync(path.join(ownPurelib, 'zz-tensorflow-environment.pth'), `${purelib}\n`);
    installFromBundle(python, bundle, ['--ignore-installed']);
    const where = run(python, ['-c', 'import shapelint, tensorflow; print(shapelint.__file__)']).trim();
    assert(where.startsWith(path.dirname(path.dirname(ownPurelib))), `the bundled shapelint is imported (got ${where})`);
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

async function startCodeServer(name, interpreter, extensionsDirectory, { environment = process.env, settings = {} } = {}) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `shapelint-e2e-${name}-`));
    const userData = path.join(root, 'user-data');
    const workspace = path.join(root, 'workspace');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.mkdirSync(workspace);
    fs.copyFileSync(MISTAKE, path.join(workspace, FILE_NAME));
    fs.copyFileSync(CLOSED_MISTAKE, path.join(workspace, path.basename(CLOSED_MISTAKE)));
    fs.writeFileSync(path.join(workspace, NOTEBOOK_NAME), JSON.stringify(notebookOf(fs.readFileSync(MISTAKE, 'utf8')), null, 1));
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...workbenchSettings(interpreter), ...settings }, null, 2));
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
        { stdio: ['ignore', logFile, logFile], detached: true, env: { ...environment, SHAPELINT_E2E: '1' } },
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

/**
 * The Problems panel as text: a block per file, its header row then its problems' rows,
 * each row's accessible label (the whole message) and what it shows.
 */
async function problemsPanelText(page) {
    return page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) =>
        rows.map((row) => `${row.getAttribute('aria-label') ?? ''}\n${row.textContent ?? ''}`).join('\n'),
    );
}

/** The rows of the Problems panel text under the file `name` (up to the next file's header). */
function problemsOf(panel, name) {
    const blocks = panel.split(/\n(?=[^\n]*\.(?:py|ipynb)\b(?![^\n]*SL\d{3}))/);
    return blocks.filter((block) => block.split('\n')[0].includes(name) || block.startsWith(name)).join('\n');
}

async function waitForProblemsPanel(page, predicate, timeout, what) {
    const deadline = Date.now() + timeout;
    for (;;) {
        const text = await problemsPanelText(page).catch(() => '');
        if (predicate(text)) {
            return text;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}; the Problems panel says ${JSON.stringify(text.slice(0, 1000))}`);
        }
        await page.waitForTimeout(250);
    }
}

function occurrences(text, part) {
    return text.split(part).length - 1;
}

/** Lines (longer than a few words) that appear more than once. */
function repeatedLines(text) {
    const seen = new Set();
    const repeated = [];
    for (const line of text.split('\n').map((candidate) => candidate.trim()).filter((candidate) => candidate.length > 24)) {
        if (seen.has(line)) {
            repeated.push(line);
        }
        seen.add(line);
    }
    return repeated;
}

/**
 * Reads the problems counter every `intervalMs` until stop() is called; the samples are
 * the counts a person would have seen.
 */
function sampleProblems(page, intervalMs = 50) {
    const samples = [];
    let running = true;
    const loop = (async () => {
        while (running) {
            const counts = await problemCounts(page).catch(() => undefined);
            if (counts) {
                samples.push({ at: Date.now(), ...counts });
            }
            await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
    })();
    return {
        samples,
        async stop() {
            running = false;
            await loop;
            return samples;
        },
    };
}

/**
 * Types `text` one key at a time with a person's uneven delays (70-230 ms, the same
 * sequence every run): the delays are what this test is about, not a wait for a result.
 */
async function typeLikeAPerson(page, text) {
    for (let index = 0; index < text.length; index += 1) {
        await page.keyboard.type(text[index]);
        await page.waitForTimeout(70 + ((index * 37) % 160));
    }
}

// ---- scenarios ----------------------------------------------------------------------

async function diagnoseAndFix(browser, extensionsDirectory, bundle, timings) {
    const python = pythonWithShapelint(bundle);
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
        // The message once: neither the marker part and the server's hover nor the rule's
        // documentation repeat it or each other.
        const marker = (await hover.locator('.marker.hover-contents').first().innerText()).trim();
        const firstSentence = marker.split('\n')[0].split(': ')[0];
        assert(firstSentence.length > 20, `the marker part holds the message (got ${JSON.stringify(marker)})`);
        assert(occurrences(hoverText, firstSentence) === 1, `the hover shows the message once (${occurrences(hoverText, firstSentence)} times: ${JSON.stringify(hoverText)})`);
        const repeated = repeatedLines(hoverText);
        assert(repeated.length === 0, `no line of the hover is repeated (${JSON.stringify(repeated)})`);
        assert(/SL101/.test(hoverText) && /https?:\/\/|docs/i.test(await hover.innerHTML()), 'the hover names the rule and links its docs');
        timings.hoverLines = hoverText.split('\n').filter((line) => line.trim()).length;
        await screenshot(page, 'vscode-squiggle-hover');

        // The quick fix through Ctrl+. at the squiggle.
        // The pointer leaves the squiggle so that its hover does not come back and take the
        // key; Ctrl+. is pressed again while the menu has not opened (a busy machine may
        // still be computing the code actions when the first press arrives).
        await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.move(box.x + box.width / 2, box.y + 400);
        await page.keyboard.press('Escape');
        await page.locator('.monaco-hover:visible', { hasText: 'SL101' }).waitFor({ state: 'hidden' });
        const menu = page.locator('.action-widget:visible').first();
        const menuDeadline = Date.now() + 30_000;
        for (;;) {
            await page.keyboard.press('Control+Period');
            try {
                await menu.waitFor({ timeout: 3_000 });
                break;
            } catch (error) {
                if (Date.now() > menuDeadline) {
                    throw error;
                }
            }
        }
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
        // Until the whole new text is there: a read during VS Code's write can see it half written.
        while (!fs.readFileSync(file, 'utf8').includes('keras.Input(shape=(50, 1))') && Date.now() < deadline) {
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

        // The CLI's SARIF for the notebook, as code scanning reads it: the region is the
        // line of the .ipynb JSON that holds the statement, its columns the shape.
        const notebookFile = path.join(server.workspace, NOTEBOOK_NAME);
        const sarif = spawnSync(python, ['-m', 'shapelint', 'check', '--format', 'sarif', notebookFile], { encoding: 'utf8', cwd: server.workspace });
        assert(sarif.status === 1, `shapelint check reports the notebook's finding (exit ${sarif.status}: ${sarif.stderr})`);
        const results = JSON.parse(sarif.stdout).runs[0].results;
        const sl101 = results.find((result) => result.ruleId === 'SL101');
        assert(sl101 !== undefined, `the SARIF holds the SL101 result (${JSON.stringify(results.map((r) => r.ruleId))})`);
        const location = sl101.locations[0].physicalLocation;
        assert(location.artifactLocation.uri.endsWith(NOTEBOOK_NAME), `the result is located in the notebook (${location.artifactLocation.uri})`);
        const jsonLine = fs.readFileSync(notebookFile, 'utf8').split('\n')[location.region.startLine - 1] ?? '';
        assert(jsonLine.includes('keras.Input(shape=(1000, 50, 1))'), `SARIF line ${location.region.startLine} of the .ipynb is the Input's line (got ${JSON.stringify(jsonLine)})`);
        const marked = jsonLine.slice(location.region.startColumn - 1, location.region.endColumn - 1);
        assert(marked === '(1000, 50, 1)', `the SARIF columns mark the shape (got ${JSON.stringify(marked)})`);
        timings.notebookSarifRegion = location.region;
        log(`notebook SARIF: line ${location.region.startLine} ${JSON.stringify(marked)}`);

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

async function typing(browser, extensionsDirectory, bundle, timings) {
    const python = pythonWithShapelint(bundle);
    const server = await startCodeServer('typing', python, extensionsDirectory);
    const { context, page } = await openWorkbench(browser, server);
    try {
        await openFileFromExplorer(page);
        const baseline = await waitForProblems(page, (c) => c.errors >= 1, DIAGNOSTIC_TIMEOUT, 'the SL101 error');
        await page.locator('.statusbar-item', { hasText: 'shapelint' }).locator('.codicon-check').first().waitFor();
        log(`before typing: ${baseline.label}`);

        // A new statement at the end of the file, typed as a person types it. Its prefixes
        // are syntax errors (`settings = {"ep`), the shape finding above stays meanwhile.
        await page.locator('.monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+End');
        await page.keyboard.press('Enter');
        const statement = 'settings = {"epochs": 3, "batch_size": 32, "optimizer": "adam"}';
        const sampler = sampleProblems(page);
        const typingStarted = Date.now();
        await typeLikeAPerson(page, statement);
        const typingMs = Date.now() - typingStarted;
        // The finished statement is valid: the counter settles where it started.
        await waitForProblems(page, (c) => c.errors === baseline.errors && c.warnings === baseline.warnings, DIAGNOSTIC_TIMEOUT, 'the counter after the statement');
        const samples = await sampler.stop();
        assert((await editorText(page)).includes(statement), 'the editor holds the typed statement');
        const differing = samples.filter((sample) => sample.errors !== baseline.errors || sample.warnings !== baseline.warnings);
        const changes = samples.filter((sample, index) => index > 0 && sample.label !== samples[index - 1].label).length;
        timings.typing = { characters: statement.length, typingMs, samples: samples.length, counterChanges: changes };
        log(`typed ${statement.length} characters in ${typingMs} ms; ${samples.length} samples of the counter, ${changes} changes`);
        assert(samples.length >= 40, `the counter was sampled throughout the typing (${samples.length} samples)`);
        assert(differing.length === 0, `the counter never changed while typing (saw ${JSON.stringify([...new Set(differing.map((sample) => sample.label))])})`);
        await screenshot(page, 'vscode-typing');

        // The control: typing stops in a broken statement. Its syntax error does show, a
        // moment after the last key (the same counter shows it: the samples above could see it).
        await page.keyboard.press('Enter');
        await typeLikeAPerson(page, 'total = (1 +');
        const pausedAt = Date.now();
        await waitForProblems(page, (c) => c.errors === baseline.errors + 1, DIAGNOSTIC_TIMEOUT, 'the syntax error once typing pauses');
        timings.typing.syntaxErrorAfterPauseMs = Date.now() - pausedAt;
        log(`the syntax error showed ${timings.typing.syntaxErrorAfterPauseMs} ms after the last key`);
        await screenshot(page, 'vscode-syntax-error-after-pause');
        await page.keyboard.press('Home');
        await page.keyboard.press('Shift+End');
        await page.keyboard.press('Delete');
        await waitForProblems(page, (c) => c.errors === baseline.errors && c.warnings === baseline.warnings, DIAGNOSTIC_TIMEOUT, 'the counter after deleting the broken line');
    } catch (error) {
        await screenshot(page, 'failure-typing').catch(() => undefined);
        throw error;
    } finally {
        await context.close();
        server.stop();
    }
}

async function notebookConfirmation(browser, extensionsDirectory, bundle, timings) {
    const python = pythonWithTensorflow(bundle);
    if (!python) {
        throw new Skip('no Python with TensorFlow (set SHAPELINT_TF_PYTHON, or scripts/install.sh --tests puts it in .venv)');
    }
    const server = await startCodeServer('confirm', python, extensionsDirectory, { settings: { 'shapelint.confirm': 'auto' } });
    const { context, page } = await openWorkbench(browser, server);
    try {
        await runCommand(page, 'View: Toggle Problems');
        await page.locator('.markers-panel').first().waitFor();
        const confirmed = /Confirmed by TensorFlow/;

        // The .py file first: the confirmation pipeline works in this editor.
        const openedAt = await openFileFromExplorer(page);
        await waitForProblemsPanel(page, (text) => confirmed.test(problemsOf(text, FILE_NAME)), CONFIRMATION_TIMEOUT, 'the confirmed finding of the file');
        timings.confirmation = { fileOpenToConfirmedMs: Date.now() - openedAt };
        log(`file: confirmed after ${timings.confirmation.fileOpenToConfirmedMs} ms`);
        await screenshot(page, 'vscode-file-confirmed');
        await page.keyboard.press('Control+K');
        await page.keyboard.press('W');
        await page.locator('.monaco-editor .view-lines', { hasText: 'keras.Input' }).first().waitFor({ state: 'detached' });

        // Then the notebook: its finding gains TensorFlow's text too. A server whose
        // confirmation skips notebooks (its CLI reports `"confirmed": null` for them) cannot
        // pass this part: it is skipped with that reason rather than failed.
        const notebookFile = path.join(server.workspace, NOTEBOOK_NAME);
        if (!cliConfirmsNotebooks(python, notebookFile)) {
            throw new Skip(
                'the notebook part: this shapelint does not confirm notebook findings (`shapelint check --confirm --format json` ' +
                    'reports "confirmed": null for the notebook); it runs once notebook confirmation is in the server',
            );
        }
        const notebookOpenedAt = await openFileFromExplorer(page, NOTEBOOK_NAME);
        await page.locator('.notebook-editor').first().waitFor();
        const text = await waitForProblemsPanel(
            page,
            (panel) => confirmed.test(problemsOf(panel, NOTEBOOK_NAME)),
            CONFIRMATION_TIMEOUT,
            'the confirmed finding of the notebook',
        );
        timings.confirmation.notebookOpenToConfirmedMs = Date.now() - notebookOpenedAt;
        log(`notebook: confirmed after ${timings.confirmation.notebookOpenToConfirmedMs} ms: ${text.replace(/\s+/g, ' ').slice(0, 400)}`);
        await screenshot(page, 'vscode-notebook-confirmed');
    } catch (error) {
        if (!(error instanceof Skip)) {
            await screenshot(page, 'failure-confirm').catch(() => undefined);
        }
        throw error;
    } finally {
        await context.close();
        server.stop();
    }
}

/** True when `shapelint check --confirm` confirms (or withdraws) the notebook's findings. */
function cliConfirmsNotebooks(python, notebook) {
    const result = spawnSync(python, ['-m', 'shapelint', 'check', '--confirm', '--format', 'json', '--exit-zero', notebook], {
        encoding: 'utf8',
        cwd: os.tmpdir(),
        timeout: CONFIRMATION_TIMEOUT,
    });
    assert(result.status === 0, `shapelint check --confirm ran (exit ${result.status}: ${result.stderr})`);
    const findings = JSON.parse(result.stdout);
    log(`shapelint check --confirm on the notebook: ${JSON.stringify(findings.map((finding) => [finding.code, finding.confirmed]))}`);
    return findings.length === 0 || findings.some((finding) => finding.confirmed !== null);
}

async function installOffer(browser, extensionsDirectory, bundle, timings) {
    const python = createVenv(fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-e2e-bare-python-')));
    assert(!importsShapelint(python), `${python} starts without shapelint`);
    assert(bundle.manifest.downloadedAtInstall.length === 0, `this .vsix bundles every dependency (${bundle.manifest.target}; downloads ${bundle.manifest.downloadedAtInstall})`);
    // No package index reachable: what the install needs must come from the .vsix.
    const server = await startCodeServer('install', python, extensionsDirectory, { environment: withoutPackageIndex() });
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
        const installed = run(python, ['-m', 'pip', 'list', '--format', 'freeze'], { env: withoutPackageIndex() });
        log(`installed offline: ${installed.trim().split('\n').join(' ')}`);
    } catch (error) {
        await screenshot(page, 'failure-install').catch(() => undefined);
        throw error;
    } finally {
        await context.close();
        server.stop();
        fs.rmSync(path.dirname(path.dirname(python)), { recursive: true, force: true });
    }
    // The extension asked pip for the bundle only.
    const output = extensionLog('install');
    assert(/-m pip install .*--no-index --find-links \S+ \S+shapelint-[^ ]+\.whl/.test(output), 'the extension installed with --no-index from the bundled wheels');
    assert(!/trying again with the package index/.test(output), 'no second attempt with the package index');
}

async function main() {
    fs.rmSync(outDirectory, { recursive: true, force: true });
    fs.mkdirSync(outDirectory, { recursive: true });
    const started = Date.now();
    const timings = { vsixBytes: fs.statSync(vsix).size };
    const extensionsDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-e2e-extensions-'));
    log(`installing ${vsix}`);
    run(codeServer, ['--extensions-dir', extensionsDirectory, '--install-extension', vsix]);
    const bundle = extractBundle(path.join(outDirectory, 'wheels'));
    timings.bundle = { target: bundle.manifest.target, wheels: bundle.manifest.wheels.length + 1 };
    const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const scenarios = {
        'diagnose-and-fix': () => diagnoseAndFix(browser, extensionsDirectory, bundle, timings),
        typing: () => typing(browser, extensionsDirectory, bundle, timings),
        'install-offer': () => installOffer(browser, extensionsDirectory, bundle, timings),
        'notebook-confirmation': () => notebookConfirmation(browser, extensionsDirectory, bundle, timings),
    };
    const only = process.env.SHAPELINT_E2E_ONLY;
    let failed = false;
    const skipped = [];
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
                if (error instanceof Skip) {
                    skipped.push(`${name}: ${error.message}`);
                    log(`SKIP ${name}: ${error.message}`);
                } else {
                    failed = true;
                    log(`FAIL ${name}: ${error.stack ?? error}`);
                }
            }
        }
    } finally {
        await browser.close();
        fs.rmSync(extensionsDirectory, { recursive: true, force: true });
    }
    timings.totalMs = Date.now() - started;
    timings.skipped = skipped;
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
