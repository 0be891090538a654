// Workspace trust on the client side: the manifest's declaration, the settings the server
// receives, the workspace check's command line and the status bar's limited-mode text.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SERVER_SETTINGS, toServerSettings } from '../src/settings';
import { describeStatus } from '../src/status';
import { checkArguments } from '../src/workspaceCheck';

const root = path.join(__dirname, '..', '..', '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('workspace trust', () => {
    it('is declared as limited support, with the interpreter setting restricted', () => {
        const declaration = manifest.capabilities.untrustedWorkspaces;
        assert.equal(declaration.supported, 'limited');
        assert.match(declaration.description, /TensorFlow/);
        assert.match(declaration.description, /data files/);
        assert.deepEqual(declaration.restrictedConfigurations, ['shapelint.interpreter']);
    });

    it('sends the trust VS Code reports, never a value from a settings file', () => {
        assert.equal(toServerSettings({}, () => true, false).trusted, false);
        assert.equal(toServerSettings({ trusted: true }, () => true, false).trusted, false);
        assert.equal(toServerSettings({ trusted: false }).trusted, true);
        assert.equal(DEFAULT_SERVER_SETTINGS.trusted, true);
    });

    it('checks an untrusted workspace with --untrusted', () => {
        const interpreter = { command: '/py', args: [], source: 'path' as const };
        const untrusted = toServerSettings({}, () => true, false);
        assert.ok(checkArguments(interpreter, '/p', untrusted).includes('--untrusted'));
        assert.ok(!checkArguments(interpreter, '/p', DEFAULT_SERVER_SETTINGS).includes('--untrusted'));
        assert.equal(checkArguments(interpreter, '/p', untrusted).at(-1), '/p');
    });

    it('says once, in the status bar item, that the workspace runs in limited mode', () => {
        const limited = describeStatus({ kind: 'ready', interpreter: '/py', version: '0.1.0', trusted: false });
        assert.match(limited.text, /limited/);
        assert.match(limited.tooltip, /not trusted/);
        const trusted = describeStatus({ kind: 'ready', interpreter: '/py', version: '0.1.0', trusted: true });
        assert.doesNotMatch(trusted.text, /limited/);
        assert.equal(trusted.text, describeStatus({ kind: 'ready', interpreter: '/py', version: '0.1.0' }).text);
    });
});
