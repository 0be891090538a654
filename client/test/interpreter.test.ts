import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { chooseInterpreter, describeInterpreter, expandPath, findOnPath, type InterpreterInputs, isInside } from '../src/interpreter';

function inputs(overrides: Partial<InterpreterInputs>): InterpreterInputs {
    return {
        setting: '',
        pythonExtension: undefined,
        workspaceFolder: '/work/project',
        findOnPath: () => undefined,
        homeDirectory: '/home/ada',
        ...overrides,
    };
}

describe('chooseInterpreter', () => {
    it('uses the shapelint.interpreter setting when it is set', () => {
        const chosen = chooseInterpreter(
            inputs({ setting: '/opt/py/bin/python', pythonExtension: ['/env/bin/python'], findOnPath: () => '/usr/bin/python3' }),
        );
        assert.deepEqual(chosen, { command: '/opt/py/bin/python', args: [], source: 'setting' });
    });

    it('expands ${workspaceFolder} and ~ in the setting', () => {
        assert.equal(chooseInterpreter(inputs({ setting: '${workspaceFolder}/.venv/bin/python' }))?.command, '/work/project/.venv/bin/python');
        assert.equal(chooseInterpreter(inputs({ setting: '~/envs/ml/bin/python' }))?.command, '/home/ada/envs/ml/bin/python');
    });

    it('ignores a setting made only of spaces', () => {
        const chosen = chooseInterpreter(inputs({ setting: '   ', pythonExtension: ['/env/bin/python'] }));
        assert.equal(chosen?.source, 'python-extension');
    });

    it("uses the Python extension's active environment when the setting is empty", () => {
        const chosen = chooseInterpreter(inputs({ pythonExtension: ['/env/bin/python'], findOnPath: () => '/usr/bin/python3' }));
        assert.deepEqual(chosen, { command: '/env/bin/python', args: [], source: 'python-extension' });
    });

    it('keeps a multi-part command from the Python extension (conda run)', () => {
        const chosen = chooseInterpreter(inputs({ pythonExtension: ['conda', 'run', '-n', 'ml', 'python'] }));
        assert.deepEqual(chosen, { command: 'conda', args: ['run', '-n', 'ml', 'python'], source: 'python-extension' });
        assert.equal(describeInterpreter(chosen!), 'conda run -n ml python');
    });

    it('falls back to python3 on PATH, then python', () => {
        const both = chooseInterpreter(inputs({ findOnPath: (name) => `/usr/bin/${name}` }));
        assert.deepEqual(both, { command: '/usr/bin/python3', args: [], source: 'path' });
        const onlyPython = chooseInterpreter(inputs({ findOnPath: (name) => (name === 'python' ? '/usr/bin/python' : undefined) }));
        assert.equal(onlyPython?.command, '/usr/bin/python');
    });

    it('falls back to PATH when the Python extension reports no environment', () => {
        const chosen = chooseInterpreter(inputs({ pythonExtension: [], findOnPath: () => '/usr/bin/python3' }));
        assert.equal(chosen?.source, 'path');
    });

    it('returns undefined when no interpreter is found anywhere', () => {
        assert.equal(chooseInterpreter(inputs({})), undefined);
    });
});

describe('expandPath', () => {
    it('leaves ${workspaceFolder} alone when there is no folder', () => {
        assert.equal(expandPath('${workspaceFolder}/py', undefined, '/h'), '${workspaceFolder}/py');
    });

    it('expands ${userHome}', () => {
        assert.equal(expandPath('${userHome}/py', undefined, '/h'), '/h/py');
    });
});

describe('findOnPath', () => {
    it('returns the first executable match in PATH order', () => {
        const seen: string[] = [];
        const found = findOnPath('python3', ['/a', '', '/b', '/c'].join(path.delimiter), (file) => {
            seen.push(file);
            return file.startsWith('/b') || file.startsWith('/c');
        });
        assert.equal(found, '/b/python3');
        assert.deepEqual(seen, ['/a/python3', '/b/python3']);
    });

    it('finds a real executable and skips a non-executable file', () => {
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-path-'));
        const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-path-'));
        fs.writeFileSync(path.join(plain, 'python3'), '');
        fs.writeFileSync(path.join(directory, 'python3'), '#!/bin/sh\n', { mode: 0o755 });
        assert.equal(findOnPath('python3', [plain, directory].join(path.delimiter)), path.join(directory, 'python3'));
        assert.equal(findOnPath('python3', plain), undefined);
    });
});

describe('chooseInterpreter in an untrusted workspace', () => {
    const untrusted = { untrustedFolders: ['/work/project'] };

    it("skips an interpreter inside the workspace (the Python extension's or the setting's)", () => {
        const chosen = chooseInterpreter(
            inputs({ ...untrusted, pythonExtension: ['/work/project/.venv/bin/python'], findOnPath: () => '/usr/bin/python3' }),
        );
        assert.deepEqual(chosen, { command: '/usr/bin/python3', args: [], source: 'path' });
        const fromSetting = chooseInterpreter(inputs({ ...untrusted, setting: '${workspaceFolder}/.venv/bin/python', findOnPath: () => '/usr/bin/python3' }));
        assert.equal(fromSetting?.source, 'path');
        assert.equal(chooseInterpreter(inputs({ ...untrusted, findOnPath: () => '/work/project/bin/python3' })), undefined);
    });

    it('keeps interpreters outside the workspace and commands such as conda', () => {
        const chosen = chooseInterpreter(inputs({ ...untrusted, pythonExtension: ['conda', 'run', '-n', 'ml', 'python'] }));
        assert.equal(chosen?.command, 'conda');
        assert.equal(chooseInterpreter(inputs({ ...untrusted, pythonExtension: ['/work/project-2/bin/python'] }))?.source, 'python-extension');
    });

    it('uses the workspace interpreter once trusted', () => {
        assert.equal(chooseInterpreter(inputs({ pythonExtension: ['/work/project/.venv/bin/python'] }))?.source, 'python-extension');
    });

    it('tells paths inside a folder from siblings with a common prefix', () => {
        assert.ok(isInside('/work/project/.venv/bin/python', ['/work/project']));
        assert.ok(isInside('/work/project/../project/x', ['/work/project']));
        assert.ok(!isInside('/work/project-2/python', ['/work/project']));
        assert.ok(!isInside('python3', ['/work/project']));
    });
});
