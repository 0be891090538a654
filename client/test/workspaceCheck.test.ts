import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Interpreter } from '../src/interpreter';
import { DEFAULT_SERVER_SETTINGS, toServerSettings } from '../src/settings';
import { checkArguments, parseCheckReport, runWorkspaceCheck } from '../src/workspaceCheck';

const entry = {
    filename: 'models/train.py',
    code: 'SL101',
    severity: 'error',
    message: 'keras.Input shape (1000, 50, 1) includes the batch axis',
    location: { row: 7, column: 22 },
    end_location: { row: 7, column: 35 },
    fix: null,
    confirmed: null,
    url: 'https://example.invalid/rules#sl101',
};

describe('parseCheckReport', () => {
    it('turns 1-based rows and columns into 0-based positions per absolute file', () => {
        const report = parseCheckReport(JSON.stringify([entry]), '/work/project', DEFAULT_SERVER_SETTINGS);
        assert.deepEqual([...report.keys()], ['/work/project/models/train.py']);
        const [problem] = report.get('/work/project/models/train.py')!;
        assert.deepEqual(problem.start, { line: 6, character: 21 });
        assert.deepEqual(problem.end, { line: 6, character: 34 });
        assert.equal(problem.severity, 'error');
        assert.equal(problem.url, entry.url);
    });

    it('keeps absolute file names and groups problems by file', () => {
        const second = { ...entry, filename: '/elsewhere/a.py', code: 'SL201', severity: 'warning' };
        const report = parseCheckReport(JSON.stringify([entry, second, { ...entry, code: 'SL103' }]), '/p', DEFAULT_SERVER_SETTINGS);
        assert.deepEqual(report.get('/p/models/train.py')!.map((problem) => problem.code), ['SL101', 'SL103']);
        assert.deepEqual(report.get('/elsewhere/a.py')!.map((problem) => problem.severity), ['warning']);
    });

    it('applies the editor severity overrides', () => {
        const settings = toServerSettings({ severity: { SL101: 'hint' } });
        const report = parseCheckReport(JSON.stringify([entry]), '/p', settings);
        assert.equal(report.get('/p/models/train.py')![0].severity, 'hint');
    });

    it('uses the start as the end when end_location is missing', () => {
        const { end_location: _unused, ...withoutEnd } = entry;
        const report = parseCheckReport(JSON.stringify([withoutEnd]), '/p', DEFAULT_SERVER_SETTINGS);
        assert.deepEqual(report.get('/p/models/train.py')![0].end, { line: 6, character: 21 });
    });

    it('skips malformed entries and rejects output that is not an array', () => {
        const report = parseCheckReport(JSON.stringify([{ code: 'SL101' }, entry, 'text']), '/p', DEFAULT_SERVER_SETTINGS);
        assert.equal([...report.values()].flat().length, 1);
        assert.throws(() => parseCheckReport('{"errors": []}', '/p', DEFAULT_SERVER_SETTINGS));
    });
});

describe('checkArguments', () => {
    it('runs the JSON check on the folder with the editor select/ignore', () => {
        const settings = toServerSettings({ select: ['SL1'], ignore: ['SL103', 'SL104'] });
        assert.deepEqual(checkArguments({ command: '/py', args: [], source: 'path' }, '/p', settings), [
            '-m', 'shapelint', 'check', '--format', 'json', '--select', 'SL1', '--ignore', 'SL103,SL104', '/p',
        ]);
    });

    it('adds no filters when none are set', () => {
        assert.deepEqual(checkArguments({ command: '/py', args: [], source: 'path' }, '/p', DEFAULT_SERVER_SETTINGS), [
            '-m', 'shapelint', 'check', '--format', 'json', '/p',
        ]);
    });
});

describe('runWorkspaceCheck', () => {
    /** A stand-in interpreter: prints `stdout`, then exits with `status`. */
    function fakePython(stdout: string, status: number, stderr = ''): Interpreter {
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-check-'));
        const script = path.join(directory, 'python');
        fs.writeFileSync(path.join(directory, 'out.json'), stdout);
        fs.writeFileSync(
            script,
            `#!/bin/sh\necho "$@" > '${directory}/args'\ncat '${directory}/out.json'\necho '${stderr}' >&2\nexit ${status}\n`,
            { mode: 0o755 },
        );
        return { command: script, args: [], source: 'setting' };
    }

    it('reads the report when the check finds problems (exit status 1)', async () => {
        const interpreter = fakePython(JSON.stringify([entry]), 1);
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-folder-'));
        const report = await runWorkspaceCheck(interpreter, folder, DEFAULT_SERVER_SETTINGS);
        assert.deepEqual([...report.keys()], [path.join(folder, 'models', 'train.py')]);
        const args = fs.readFileSync(path.join(path.dirname(interpreter.command), 'args'), 'utf8').trim();
        assert.equal(args, `-m shapelint check --format json ${folder}`);
    });

    it('reads an empty report when the workspace is clean (exit status 0)', async () => {
        const report = await runWorkspaceCheck(fakePython('[]', 0), os.tmpdir(), DEFAULT_SERVER_SETTINGS);
        assert.equal(report.size, 0);
    });

    it('fails with the CLI error for a usage or internal error (exit status 2)', async () => {
        await assert.rejects(runWorkspaceCheck(fakePython('', 2, 'shapelint: error: bad path'), os.tmpdir(), DEFAULT_SERVER_SETTINGS), /bad path/);
    });

    it('fails when the folder does not exist', async () => {
        await assert.rejects(runWorkspaceCheck(fakePython('[]', 0), path.join(os.tmpdir(), 'no-such-folder-shapelint'), DEFAULT_SERVER_SETTINGS), /ENOENT/);
    });
});
