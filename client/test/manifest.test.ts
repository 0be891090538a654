import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { COMMANDS, describeStatus, type ServerState } from '../src/status';

const root = path.join(__dirname, '..', '..', '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('extension manifest', () => {
    it('activates on Python files and Jupyter notebooks', () => {
        assert.ok(manifest.activationEvents.includes('onLanguage:python'));
        assert.ok(manifest.activationEvents.includes('onNotebook:jupyter-notebook'));
    });

    it('starts early in a workspace holding Python files or notebooks, and never on every window', () => {
        assert.ok(manifest.activationEvents.includes('workspaceContains:*.py'));
        assert.ok(manifest.activationEvents.includes('workspaceContains:*.ipynb'));
        assert.ok(!manifest.activationEvents.includes('*'));
    });

    it('does not require the Python extension', () => {
        assert.equal(manifest.extensionDependencies, undefined);
        assert.equal(manifest.extensionPack, undefined);
    });

    it('contributes every command the extension registers', () => {
        const contributed = manifest.contributes.commands.map((command: { command: string }) => command.command).sort();
        assert.deepEqual(contributed, Object.values(COMMANDS).sort());
    });

    it('points main at the bundle and keeps the Python package version', () => {
        assert.equal(manifest.main, './client/out/extension.js');
        const pyproject = fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8');
        assert.equal(manifest.version, /^version = "([^"]+)"/m.exec(pyproject)?.[1]);
    });
});

describe('status bar', () => {
    const states: ServerState[] = [
        { kind: 'starting', interpreter: '/py' },
        { kind: 'ready', interpreter: '/py', version: '0.1.0' },
        { kind: 'missing', interpreter: '/py', missing: ['shapelint', 'pygls'] },
        { kind: 'installing', interpreter: '/py' },
        { kind: 'error', message: 'Cannot run /py.' },
        { kind: 'disabled' },
    ];

    it('shows a distinct text for every state', () => {
        const texts = states.map((state) => describeStatus(state).text);
        assert.equal(new Set(texts).size, states.length);
        for (const text of texts) {
            assert.match(text, /^\$\([a-z-~]+\) shapelint/);
        }
    });

    it('offers the install on click when shapelint is missing', () => {
        const presentation = describeStatus(states[2]);
        assert.equal(presentation.command, COMMANDS.install);
        assert.equal(presentation.emphasis, 'warning');
        assert.match(presentation.tooltip, /lacks shapelint, pygls/);
    });

    it('shows errors in the error colour with the message', () => {
        const presentation = describeStatus(states[4]);
        assert.equal(presentation.emphasis, 'error');
        assert.match(presentation.tooltip, /Cannot run \/py\./);
    });

    it('mentions the server version when ready', () => {
        assert.match(describeStatus(states[1]).tooltip, /shapelint 0\.1\.0: ready/);
    });
});
