import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SERVER_SETTINGS, RESTART_KEYS, toServerSettings, toSeverity, toTraceLevel } from '../src/settings';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown; description?: string; markdownDescription?: string }> =
    manifest.contributes.configuration.properties;

describe('toServerSettings', () => {
    it('gives the defaults for an empty or missing configuration', () => {
        assert.deepEqual(toServerSettings({}), DEFAULT_SERVER_SETTINGS);
        assert.deepEqual(toServerSettings(undefined), DEFAULT_SERVER_SETTINGS);
        assert.deepEqual(toServerSettings([1, 2]), DEFAULT_SERVER_SETTINGS);
    });

    it('maps the contributed defaults to the default server settings', () => {
        const raw: Record<string, unknown> = {};
        for (const [key, property] of Object.entries(properties)) {
            raw[key.replace(/^shapelint\./, '')] = property.default;
        }
        assert.deepEqual(toServerSettings(raw, () => false), DEFAULT_SERVER_SETTINGS);
    });

    it('sends confirm only when the user set it, so pyproject.toml decides otherwise', () => {
        assert.equal(toServerSettings({ confirm: 'off' }, () => false).confirm, null);
        assert.equal(toServerSettings({ confirm: 'auto' }, (key) => key === 'confirm').confirm, 'auto');
        assert.equal(toServerSettings({ confirm: 'off' }, (key) => key === 'confirm').confirm, 'off');
    });

    it('drops the client-only keys interpreter and trace', () => {
        const settings = toServerSettings({ interpreter: '/py', trace: { server: 'verbose' }, enable: false });
        assert.deepEqual(Object.keys(settings).sort(), ['confirm', 'enable', 'ignore', 'inlayHints', 'select', 'severity', 'trusted']);
        assert.equal(settings.enable, false);
    });

    it('passes user values through', () => {
        const settings = toServerSettings({
            enable: false,
            inlayHints: false,
            confirm: 'off',
            severity: { SL201: 'hint' },
            select: ['SL1'],
            ignore: ['SL201'],
        });
        assert.deepEqual(settings, {
            enable: false,
            inlayHints: false,
            confirm: 'off',
            severity: { SL201: 'hint' },
            select: ['SL1'],
            ignore: ['SL201'],
            trusted: true,
        });
    });

    it('normalizes severity overrides and drops invalid ones', () => {
        const settings = toServerSettings({
            severity: { sl101: 'Warning', SL103: 'info', SL104: 'fatal', E501: 'error', SL105: 3, ' SL106 ': 'HINT' },
        });
        assert.deepEqual(settings.severity, { SL101: 'warning', SL103: 'information', SL106: 'hint' });
    });

    it('falls back to the default for values of the wrong type', () => {
        const settings = toServerSettings({ enable: 'yes', inlayHints: 0, confirm: 'always', select: 'SL101', severity: 'error' });
        assert.deepEqual(settings, DEFAULT_SERVER_SETTINGS);
    });

    it('upper-cases, deduplicates and filters select/ignore codes', () => {
        const settings = toServerSettings({ select: ['sl101', 'SL101', 'SL1', 'E501', 7], ignore: [' sl201 '] });
        assert.deepEqual(settings.select, ['SL101', 'SL1']);
        assert.deepEqual(settings.ignore, ['SL201']);
    });
});

describe('toSeverity / toTraceLevel', () => {
    it('accepts the four LSP severities and two aliases', () => {
        assert.deepEqual(
            ['error', 'warning', 'information', 'hint', 'info', 'warn', 'fatal', undefined].map(toSeverity),
            ['error', 'warning', 'information', 'hint', 'information', 'warning', undefined, undefined],
        );
    });

    it('maps the trace setting, defaulting to off', () => {
        assert.deepEqual(['messages', 'verbose', 'off', 'loud', undefined].map(toTraceLevel), ['messages', 'verbose', 'off', 'off', 'off']);
    });
});

describe('contributed settings', () => {
    it('documents every setting and gives it a default', () => {
        for (const [key, property] of Object.entries(properties)) {
            assert.ok(property.description || property.markdownDescription, `${key} has no description`);
            assert.ok('default' in property, `${key} has no default`);
        }
    });

    it('contributes every server setting, the interpreter and the trace level', () => {
        const contributed = Object.keys(properties).map((key) => key.replace(/^shapelint\./, ''));
        // `trusted` is VS Code's workspace trust, deliberately not a setting a workspace could set.
        const serverKeys = Object.keys(DEFAULT_SERVER_SETTINGS).filter((key) => key !== 'trusted');
        for (const key of [...serverKeys, 'interpreter', 'trace.server']) {
            assert.ok(contributed.includes(key), `shapelint.${key} is not contributed`);
        }
    });

    it('restarts the server only for settings that change the process', () => {
        for (const key of RESTART_KEYS) {
            assert.ok(key in properties, `${key} is not a contributed setting`);
        }
        assert.deepEqual([...RESTART_KEYS].sort(), ['shapelint.enable', 'shapelint.interpreter']);
    });
});
