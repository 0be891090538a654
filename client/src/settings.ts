// Maps the editor's `shapelint.*` settings to what the server reads from the
// `workspace/configuration` section `shapelint`. Pure, so it is testable in plain node.

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type ConfirmMode = 'auto' | 'off';

/** The settings the server understands. Client-only keys (interpreter, trace) are left out. */
export interface ServerSettings {
    readonly enable: boolean;
    readonly severity: Readonly<Record<string, Severity>>;
    readonly inlayHints: boolean;
    /** null: not set in the editor, so `[tool.shapelint]` in pyproject.toml (or the server default) decides. */
    readonly confirm: ConfirmMode | null;
    readonly select: readonly string[];
    readonly ignore: readonly string[];
    /** `vscode.workspace.isTrusted`: false means no TensorFlow confirmation and no data files read. */
    readonly trusted: boolean;
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
    enable: true,
    severity: {},
    inlayHints: true,
    confirm: null,
    select: [],
    ignore: [],
    trusted: true,
};

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];
// VS Code and users say "info" or "warn" as often as the LSP names.
const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = { info: 'information', warn: 'warning' };
const RULE_CODE = /^SL\d{3}$/;
// `select`/`ignore` also take prefixes such as "SL1".
const RULE_CODE_OR_PREFIX = /^SL\d{0,3}$/;

/** Settings keys whose change needs a new server process rather than a configuration push. */
export const RESTART_KEYS: readonly string[] = ['shapelint.interpreter', 'shapelint.enable'];

/**
 * Normalizes the raw `shapelint` configuration object (whatever the user typed) into
 * ServerSettings: unknown keys dropped, codes upper-cased, invalid values replaced by
 * their defaults, so the server never receives a value it must second-guess.
 *
 * `isSetByUser` tells whether a key was set in some settings file rather than coming
 * from the contributed default. Rule settings the user did not set are sent as
 * "not set" (null or empty), so the editor's defaults never hide a project's
 * `[tool.shapelint]` table.
 *
 * `trusted` comes from VS Code's workspace trust only; a `shapelint.trusted` key in a
 * settings file is ignored, so a workspace cannot declare itself trusted.
 */
export function toServerSettings(
    raw: unknown,
    isSetByUser: (key: string) => boolean = () => true,
    trusted = true,
): ServerSettings {
    const source = isRecord(raw) ? raw : {};
    const confirm = source.confirm === 'off' || source.confirm === 'auto' ? source.confirm : null;
    return {
        enable: typeof source.enable === 'boolean' ? source.enable : DEFAULT_SERVER_SETTINGS.enable,
        severity: toSeverityOverrides(source.severity),
        inlayHints: typeof source.inlayHints === 'boolean' ? source.inlayHints : DEFAULT_SERVER_SETTINGS.inlayHints,
        confirm: isSetByUser('confirm') ? confirm : null,
        select: toCodeList(source.select),
        ignore: toCodeList(source.ignore),
        trusted,
    };
}

/** Parses one severity name; undefined when it is not one of the four LSP severities. */
export function toSeverity(value: unknown): Severity | undefined {
    if (typeof value !== 'string') {
        return undefined;
    }
    const name = value.trim().toLowerCase();
    if ((SEVERITIES as readonly string[]).includes(name)) {
        return name as Severity;
    }
    return SEVERITY_ALIASES[name];
}

function toSeverityOverrides(raw: unknown): Record<string, Severity> {
    const overrides: Record<string, Severity> = {};
    if (!isRecord(raw)) {
        return overrides;
    }
    for (const [key, value] of Object.entries(raw)) {
        const code = key.trim().toUpperCase();
        const severity = toSeverity(value);
        if (RULE_CODE.test(code) && severity) {
            overrides[code] = severity;
        }
    }
    return overrides;
}

function toCodeList(raw: unknown): string[] {
    if (!Array.isArray(raw)) {
        return [];
    }
    const codes = raw
        .filter((item): item is string => typeof item === 'string')
        .map((item) => item.trim().toUpperCase())
        .filter((code) => RULE_CODE_OR_PREFIX.test(code));
    return [...new Set(codes)];
}

/** The `shapelint.trace.server` setting as one of the languageclient trace levels. */
export function toTraceLevel(raw: unknown): 'off' | 'messages' | 'verbose' {
    return raw === 'messages' || raw === 'verbose' ? raw : 'off';
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
