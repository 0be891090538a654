import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkInterpreter, installBundledWheel } from '../src/environment';
import { findOnPath, type Interpreter } from '../src/interpreter';
import { neutralDirectory, pipProcessOptions, removeNeutralDirectory, serverLaunch, shapelintProcessOptions } from '../src/isolation';
import { DEFAULT_SERVER_SETTINGS } from '../src/settings';
import { runWorkspaceCheck } from '../src/workspaceCheck';

const python3 = findOnPath('python3');

/** A folder of look-alike modules that each leave a marker file when imported. */
function plantedWorkspace(): { folder: string; markers: string } {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-planted-'));
    const markers = path.join(folder, 'markers');
    fs.mkdirSync(markers);
    const plant = (relative: string, name: string): void => {
        const file = path.join(folder, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `open(${JSON.stringify(path.join(markers, name))}, 'w').close()\n`);
    };
    for (const name of ['pygls', 'libcst', 'numpy', 'keras', 'tensorflow']) {
        plant(`${name}.py`, name);
    }
    plant('lsprotocol/__init__.py', 'lsprotocol');
    plant('shapelint/__init__.py', 'shapelint');
    plant('shapelint/__main__.py', 'shapelint-main');
    plant('pip/__init__.py', 'pip');
    plant('pip/__main__.py', 'pip-main');
    return { folder, markers };
}

describe('spawn options of shapelint processes', () => {
    after(() => removeNeutralDirectory());

    it('start in a private empty directory, never the current one', () => {
        const options = shapelintProcessOptions({ PATH: '/bin' });
        assert.notEqual(options.cwd, process.cwd());
        assert.ok(options.cwd.startsWith(os.tmpdir()));
        assert.deepEqual(fs.readdirSync(options.cwd), []);
        assert.equal(fs.statSync(options.cwd).mode & 0o777, 0o700);
        assert.equal(options.env.PYTHONSAFEPATH, '1');
        assert.equal(options.env.PATH, '/bin');
    });

    it('replace the directory when something was put into it', () => {
        const first = neutralDirectory();
        fs.writeFileSync(path.join(first, 'pygls.py'), '');
        const second = neutralDirectory();
        assert.notEqual(second, first);
        assert.deepEqual(fs.readdirSync(second), []);
    });

    it('start the server as `-m shapelint server` with the interpreter arguments, unbuffered', () => {
        const launch = serverLaunch({ command: 'conda', args: ['run', '-n', 'ml', 'python'], source: 'python-extension' }, { HOME: '/h' });
        assert.equal(launch.command, 'conda');
        assert.deepEqual(launch.args, ['run', '-n', 'ml', 'python', '-m', 'shapelint', 'server']);
        assert.equal(launch.options.env.PYTHONUNBUFFERED, '1');
        assert.equal(launch.options.env.PYTHONSAFEPATH, '1');
        assert.equal(launch.options.env.HOME, '/h');
        assert.equal(launch.options.cwd, neutralDirectory());
    });

    it('give pip the directory but not PYTHONSAFEPATH (source builds need their script directory)', () => {
        const options = pipProcessOptions({}, { PIP_NO_INPUT: '1' });
        assert.equal(options.env.PYTHONSAFEPATH, undefined);
        assert.equal(options.env.PIP_NO_INPUT, '1');
        assert.equal(options.cwd, neutralDirectory());
    });
});

describe('a planted workspace as the current directory', { skip: python3 === undefined ? 'python3 is not on PATH' : false }, () => {
    // The extension host's current directory can be the workspace (`code .` from a terminal).
    let planted: { folder: string; markers: string };
    let previous: string;
    const interpreter = (): Interpreter => ({ command: python3!, args: [], source: 'path' });
    before(() => {
        planted = plantedWorkspace();
        previous = process.cwd();
        process.chdir(planted.folder);
    });
    after(() => {
        process.chdir(previous);
        removeNeutralDirectory();
        fs.rmSync(planted.folder, { recursive: true, force: true });
    });

    it('does not run the workspace modules from the server command', () => {
        const launch = serverLaunch(interpreter());
        const result = spawnSync(launch.command, [...launch.args, '--help'], { ...launch.options, timeout: 30_000 });
        assert.ok(result.status !== null);
        assert.deepEqual(fs.readdirSync(planted.markers), []);
    });

    it('does not let the workspace `shapelint/` answer the interpreter check', async () => {
        const elsewhere = spawnSync(python3!, ['-c', 'import importlib.util as u; print(u.find_spec("shapelint") is not None)'], {
            cwd: os.tmpdir(),
            encoding: 'utf8',
        });
        const readiness = await checkInterpreter(interpreter(), '0.1.0');
        if (elsewhere.stdout.trim() === 'False') {
            // python3 has no shapelint of its own: the workspace's must not count as one.
            assert.ok(readiness.kind === 'missing' && readiness.report.missing.includes('shapelint'), JSON.stringify(readiness));
        }
        assert.deepEqual(fs.readdirSync(planted.markers), []);
    });

    it('does not run the workspace `shapelint` package for "Check Whole Workspace"', async () => {
        await runWorkspaceCheck(interpreter(), planted.folder, DEFAULT_SERVER_SETTINGS).catch(() => undefined);
        assert.deepEqual(fs.readdirSync(planted.markers), []);
    });

    it('does not run a workspace `pip/` for the install', async () => {
        await installBundledWheel(interpreter(), { path: '/nowhere/shapelint-0.1.0-py3-none-any.whl', version: '0.1.0' }, () => undefined);
        assert.deepEqual(fs.readdirSync(planted.markers), []);
    });
});
