// "Check whole workspace": runs `shapelint check --format json` on a folder and
// translates its report into per-file problems. The analysis is the CLI's; this file
// only reads its documented JSON (1-based rows and columns) into editor positions.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Interpreter } from './interpreter';
import { shapelintProcessOptions } from './isolation';
import { type ServerSettings, type Severity, toSeverity } from './settings';

export interface Problem {
    readonly code: string;
    readonly severity: Severity;
    readonly message: string;
    /** Zero-based line/character, as editors count. */
    readonly start: { readonly line: number; readonly character: number };
    readonly end: { readonly line: number; readonly character: number };
    readonly url: string | undefined;
}

/** Problems grouped by absolute file path. */
export type WorkspaceReport = Map<string, Problem[]>;

/** The command line for checking one folder with the editor's select/ignore settings. */
export function checkArguments(interpreter: Interpreter, folder: string, settings: ServerSettings): string[] {
    const args = [...interpreter.args, '-m', 'shapelint', 'check', '--format', 'json'];
    if (settings.select.length > 0) {
        args.push('--select', settings.select.join(','));
    }
    if (settings.ignore.length > 0) {
        args.push('--ignore', settings.ignore.join(','));
    }
    if (!settings.trusted) {
        args.push('--untrusted');
    }
    args.push(folder);
    return args;
}

/**
 * Parses the CLI's JSON report. Relative file names are resolved against `folder`;
 * per-rule severity overrides from the editor settings are applied.
 */
export function parseCheckReport(json: string, folder: string, settings: ServerSettings): WorkspaceReport {
    const data: unknown = JSON.parse(json);
    if (!Array.isArray(data)) {
        throw new Error('shapelint check --format json did not print a JSON array');
    }
    const report: WorkspaceReport = new Map();
    for (const entry of data) {
        if (!isEntry(entry)) {
            continue;
        }
        const file = path.resolve(folder, entry.filename);
        const end = entry.end_location ?? entry.location;
        const problem: Problem = {
            code: entry.code,
            severity: settings.severity[entry.code] ?? toSeverity(entry.severity) ?? 'warning',
            message: entry.message,
            start: toPosition(entry.location),
            end: toPosition(end),
            url: typeof entry.url === 'string' ? entry.url : undefined,
        };
        const problems = report.get(file) ?? [];
        problems.push(problem);
        report.set(file, problems);
    }
    return report;
}

/** Runs the check on one folder. Exit status 0 (clean) and 1 (problems) both carry a report. */
export function runWorkspaceCheck(
    interpreter: Interpreter,
    folder: string,
    settings: ServerSettings,
    timeoutMs = 300_000,
): Promise<WorkspaceReport> {
    return new Promise((resolve, reject) => {
        // The folder is an argument, not the cwd, so a missing one is noticed here (stat's ENOENT).
        try {
            if (!fs.statSync(folder).isDirectory()) {
                reject(new Error(`ENOTDIR: not a folder: ${folder}`));
                return;
            }
        } catch (error) {
            reject(error);
            return;
        }
        execFile(
            interpreter.command,
            checkArguments(interpreter, folder, settings),
            // Not the folder as cwd: its modules would shadow shapelint's imports (isolation.ts).
            { ...shapelintProcessOptions(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
            (error, stdout, stderr) => {
                const status = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
                if (status !== 0 && status !== 1) {
                    reject(new Error((stderr || error?.message || `exit status ${status}`).trim()));
                    return;
                }
                try {
                    resolve(parseCheckReport(stdout, folder, settings));
                } catch (parseError) {
                    reject(parseError);
                }
            },
        );
    });
}

interface Location {
    row: number;
    column: number;
}

interface ReportEntry {
    filename: string;
    code: string;
    severity: string;
    message: string;
    location: Location;
    end_location?: Location;
    url?: unknown;
}

function toPosition(location: Location): { line: number; character: number } {
    return { line: Math.max(0, location.row - 1), character: Math.max(0, location.column - 1) };
}

function isLocation(value: unknown): value is Location {
    return (
        typeof value === 'object' &&
        value !== null &&
        typeof (value as Location).row === 'number' &&
        typeof (value as Location).column === 'number'
    );
}

function isEntry(value: unknown): value is ReportEntry {
    if (typeof value !== 'object' || value === null) {
        return false;
    }
    const entry = value as ReportEntry;
    return (
        typeof entry.filename === 'string' &&
        typeof entry.code === 'string' &&
        typeof entry.message === 'string' &&
        isLocation(entry.location) &&
        (entry.end_location === undefined || entry.end_location === null || isLocation(entry.end_location))
    );
}
