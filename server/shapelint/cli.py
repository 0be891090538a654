"""The `shapelint` command: check, server, rules, explain. A thin shell over the engine."""

from __future__ import annotations

import contextlib
import json
import os
import sys

from shapelint import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:  # a run replayed from the cache imports none of these (`check_replay`)
    import argparse
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any, NoReturn

    from shapelint.output import FileResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# The output formats of `check`: `shapelint.output.FORMATS`, spelled here so that building the
# parser imports no formatter (tests/test_cli.py checks that they agree).
FORMATS = ("text", "json", "sarif", "github")


def _help_formatter() -> type[argparse.HelpFormatter]:
    import argparse

    class HelpFormatter(argparse.HelpFormatter):
        """argparse's layout, the terminal's width found as `shutil.get_terminal_size` finds it, without
        importing `shutil`: argparse builds a formatter for every option it adds, on every run."""

        def __init__(
            self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
        ) -> None:
            width = width if width is not None else _columns() - 2
            super().__init__(prog, indent_increment, max_help_position, width)

    return HelpFormatter


def _columns() -> int:
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns or 80


def build_parser() -> argparse.ArgumentParser:
    import argparse

    formatter = _help_formatter()
    parser = argparse.ArgumentParser(
        prog="shapelint",
        description="Catch Keras tensor-shape mistakes before model.fit crashes.",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"shapelint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check Python files and notebooks", formatter_class=formatter)
    check.add_argument("paths", nargs="*", default=["."], help="files or folders (default: .); - reads stdin")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument("--select", action="append", metavar="CODES", help="only these rule codes or prefixes")
    check.add_argument("--ignore", action="append", metavar="CODES", help="skip these rule codes or prefixes")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes in place")
    check.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix, also apply fixes that change more than shapes (a loss, a layer's units)",
    )
    check.add_argument("--confirm", action="store_true", help="confirm findings with a real TensorFlow build")
    check.add_argument(
        "--confirm-budget",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time the whole --confirm run may spend on TensorFlow (default: 60)",
    )
    check.add_argument("--keras-version", choices=("2", "3"), help="the Keras version the code targets")
    check.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=None,
        metavar="N",
        help="worker processes for a folder (default: the number of cores)",
    )
    check.add_argument(
        "--no-cache", action="store_true", help="analyse every file, neither reading nor writing the cache"
    )
    check.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where results are cached (default: $SHAPELINT_CACHE_DIR, else .shapelint_cache in the project root)",
    )
    check.add_argument(
        "--untrusted",
        action="store_true",
        help="the paths come from an untrusted source: no confirmation, no reading of data files",
    )
    check.add_argument("--stdin-filename", metavar="PATH", help="the name to report for code read from stdin")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when problems are found")
    check.add_argument(
        "--baseline", metavar="FILE", help="report only findings not in this baseline (see --write-baseline)"
    )
    check.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="write the current findings to FILE as the baseline and exit 0 (for adopting shapelint)",
    )

    coverage = commands.add_parser(
        "coverage",
        help="how many inputs, feeds and layer outputs have known shapes, and why the rest do not",
        formatter_class=formatter,
    )
    coverage.add_argument("paths", nargs="*", default=["."], help="files or folders (default: .)")
    coverage.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    coverage.add_argument("--totals", action="store_true", help="text: the totals and causes only, no line per file")
    coverage.add_argument("--keras-version", choices=("2", "3"), help="the Keras version the code targets")
    coverage.add_argument("--untrusted", action="store_true", help="do not read data files")

    server = commands.add_parser("server", help="run the language server (stdio by default)", formatter_class=formatter)
    server.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio (for debugging)")

    rules = commands.add_parser("rules", help="list the rules", formatter_class=formatter)
    rules.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="markdown: the full rules reference (docs/rules.md)",
    )

    explain = commands.add_parser("explain", help="show a rule's documentation", formatter_class=formatter)
    explain.add_argument("code", help="a rule code (SL101) or name (input-includes-batch-axis)")
    return parser


def _positive_int(value: str) -> int:
    import argparse

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    """The command line. Called without `argv` (the `shapelint` command, `python -m shapelint`), a
    `check` ends the process itself once its output is written (`exit_now`)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    replayed = replay_check(arguments)
    if replayed is not None:
        return replayed if argv is not None else exit_now(replayed)
    parser = build_parser()
    args = parser.parse_args(arguments)
    if args.command in ("check", "coverage"):
        from shapelint.generated_code import cached_generated_code

        # The configuration's classes, and the engine's when a file needs analysis, from stored code.
        with cached_generated_code():
            status = _run_command(parser, args, arguments)
        return status if argv is not None or args.command != "check" else exit_now(status)
    return _run_command(parser, args, arguments)


def _run_command(parser: argparse.ArgumentParser, args: argparse.Namespace, arguments: list[str]) -> int:
    from shapelint.config import ConfigError

    try:
        if args.command == "check":
            return run_check(args, arguments)
        if args.command == "coverage":
            return run_coverage(args)
        if args.command == "server":
            from shapelint.lsp import serve

            serve(tcp=args.tcp)
            return EXIT_CLEAN
        if args.command == "rules":
            return run_rules(args.format)
        if args.command == "explain":
            return run_explain(args.code)
    except ConfigError as error:
        print(f"shapelint: configuration error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. `shapelint check | head`
        sys.stderr.close()
        return EXIT_CLEAN
    except Exception as error:  # exit 1 means "problems found": a crash must never look like that
        print(f"shapelint: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR
    parser.print_help()
    return EXIT_ERROR


def exit_now(status: int) -> NoReturn:
    """End the process with `status` once standard output and error are written, skipping the
    interpreter's teardown: freeing every object the analyses left would cost a one-process `check`
    about a fifth of its time, for nothing (the workers are joined, the cache files closed)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `shapelint check | head`, as `main` answers it
        status = EXIT_CLEAN
    except (OSError, ValueError):
        pass
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(status)


def replayable(args: argparse.Namespace) -> bool:
    """Whether this `check` run's output is a function of files on disk alone (see `check_replay`)."""
    return not (
        args.no_cache or args.paths == ["-"] or args.fix or args.confirm or args.baseline or args.write_baseline
    )


def record_place(arguments: Sequence[str]) -> tuple[str, str] | None:
    """Where the record of a `check` run with these words would be (cache folder, record name), read
    from the words alone, before argparse is even imported; None: not a `check` run to replay.

    The words are the key, so a run stores its record where a later run with the same words looks
    (`--cache-dir X` or `--cache-dir=X` names the cache, else the default place); whether the run can
    be replayed at all is decided by the run that stores the record, from its parsed options."""
    from shapelint.check_cache import cache_folder
    from shapelint.check_replay import run_key

    if not arguments or arguments[0] != "check" or "--no-cache" in arguments:
        return None
    directory = None
    for index, word in enumerate(arguments):
        if word == "--cache-dir" and index + 1 < len(arguments):
            directory = arguments[index + 1]
        elif word.startswith("--cache-dir="):
            directory = word.partition("=")[2]
    folder = cache_folder(directory or None)
    return folder, run_key(list(arguments), os.path.basename(folder))


def replay_check(arguments: Sequence[str]) -> int | None:
    """The exit status after printing the stored output of a `check` run with the same words, when
    nothing it depended on changed; None: run it."""
    place = record_place(arguments)
    if place is None:
        return None
    from shapelint.check_replay import replay

    stored = replay(*place)
    if stored is None:
        return None
    output, status = stored
    try:
        sys.stdout.write(output)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `shapelint check | head`
        sys.stderr.close()
        return EXIT_CLEAN
    return status


def run_check(args: argparse.Namespace, arguments: Sequence[str] = ()) -> int:
    """`shapelint check`; `arguments`: its words, under which a replayable run stores its output."""
    from pathlib import Path

    from shapelint import read_log
    from shapelint.config import Config, codes_from_cli
    from shapelint.diagnostics import Severity
    from shapelint.file_runner import discover
    from shapelint.output import FileResult, formatter

    overrides: dict[str, object] = {}
    if args.select:
        overrides["select"] = sorted(codes_from_cli(args.select))
    if args.ignore:
        overrides["ignore"] = sorted(codes_from_cli(args.ignore))
    if args.keras_version:
        overrides["keras-version"] = args.keras_version
    base = Config(trusted=not args.untrusted)
    results: list[FileResult] = []
    config_errors: list[str] = []  # broken pyproject.toml files, each reported once
    fixed = 0
    text: str | None = None  # code read from stdin
    recorded: Any = None  # the CheckOptions of a run whose output can be replayed
    if args.paths == ["-"]:
        from shapelint.file_runner import check_text, notebook_result
        from shapelint.notebook import NotebookError

        name = args.stdin_filename or "-"
        config = base.merged(overrides)
        text = sys.stdin.read()
        try:
            analysis = check_text(text, config, notebook=name.endswith(".ipynb"))
            if name.endswith(".ipynb"):
                results.append(notebook_result(name, analysis.diagnostics, text))
            else:
                results.append(FileResult(name, analysis.diagnostics))
        except NotebookError as error:
            results.append(FileResult(name, (), str(error), notebook=True))
    else:
        from shapelint.check_pool import CheckOptions, check_files, default_jobs

        missing = [p for p in args.paths if not os.path.exists(p)]
        if missing:
            for path in missing:
                print(f"shapelint: {path}: no such file or folder", file=sys.stderr)
            return EXIT_ERROR
        client = confirm_client() if args.confirm and base.trusted and not args.fix else None
        budget = run_budget(args.confirm_budget) if client is not None else None
        options = CheckOptions(
            jobs=args.jobs or default_jobs(),
            cache=None if args.no_cache else result_cache(args.cache_dir),
            fix=args.fix,
            unsafe_fixes=args.unsafe_fixes,
            fix_roots=[Path(p) for p in args.paths],
            confirm_client=client,
            confirm_budget=budget,
        )
        if replayable(args):
            recorded = options
            options.observed = []
            with read_log.recording() as walked:
                paths = list(discover(args.paths))
            options.observed += walked
            options.observed += run_inputs(paths)
        else:
            paths = list(discover(args.paths))
        try:
            for path, checked in zip(paths, check_files(paths, base, overrides, options)):
                results.append(checked.result)
                fixed += checked.fixed
                if checked.not_written:
                    print(f"shapelint: {path}: {checked.not_written}", file=sys.stderr)
                if checked.config_error is not None and checked.config_error not in config_errors:
                    config_errors.append(checked.config_error)
                    print(
                        f"shapelint: configuration error: {checked.config_error}; using the defaults",
                        file=sys.stderr,
                    )
        finally:
            if client is not None:
                client.close()
        if options.cache is not None and options.cache.stored:
            options.cache.prune()
        if budget is not None and budget.exhausted:
            print(
                f"shapelint: the --confirm time budget of {budget.seconds:g} s ran out; the remaining findings "
                "are unconfirmed (raise it with --confirm-budget SECONDS)",
                file=sys.stderr,
            )
    if args.write_baseline or args.baseline:
        results, status = baseline_step(args, results, text)
        if status is not None:
            return status
    output = formatter(args.format)(results)
    if output:
        print(output)
    if fixed and args.format == "text":
        print(f"Fixed {fixed} problem{'s' if fixed != 1 else ''}.", file=sys.stderr)
    if any(r.error for r in results) or config_errors:
        return EXIT_ERROR
    blocking = any(d.severity in (Severity.ERROR, Severity.WARNING) for r in results for d in r.diagnostics)
    status = EXIT_FINDINGS if blocking and not args.exit_zero else EXIT_CLEAN
    place = record_place(arguments) if recorded is not None and recorded.replayable else None
    if place is not None:
        from shapelint.check_replay import store

        store(*place, output + "\n" if output else "", status, recorded.observed)
    return status


def run_inputs(paths: Sequence[Path]) -> list[Any]:
    """What a run depends on besides its files and their analyses: their configuration files and
    the installed packages (the target Keras version)."""
    from shapelint.check_replay import configuration_observations, environment_observations

    folders = dict.fromkeys(str(path.absolute().parent) for path in paths)  # as `check_pool` asks `config_for`
    return configuration_observations(folders) + environment_observations()


def baseline_step(
    args: argparse.Namespace, results: list[FileResult], stdin_text: str | None
) -> tuple[list[FileResult], int | None]:
    """Write the baseline (then the run ends: status 0), or hide the findings it holds."""
    from pathlib import Path

    from shapelint.file_runner import read_source
    from shapelint.notebook import NotebookError, read_notebook
    from shapelint.output import baseline

    target = Path(args.write_baseline or args.baseline)
    per_file = []
    for result in results:
        try:
            text = stdin_text if stdin_text is not None else read_source(Path(result.path))[0]
            cells = read_notebook(text).code_cells if result.notebook else None
        except (OSError, NotebookError):
            text, cells = "", None
        per_file.append(baseline.entries(result, text.splitlines(), cells, target.parent))
    if args.write_baseline:
        count = baseline.write(target, (entry for entries in per_file for entry in entries))
        print(f"shapelint: wrote {count} finding{'s' if count != 1 else ''} to the baseline {target}", file=sys.stderr)
        return results, EXIT_CLEAN
    try:
        known = baseline.read(target)
    except baseline.BaselineError as error:
        print(f"shapelint: {error}", file=sys.stderr)
        return results, EXIT_ERROR
    before = sum(len(r.diagnostics) for r in results)
    results = [baseline.new_findings(r, known, entries) for r, entries in zip(results, per_file)]
    hidden = before - sum(len(r.diagnostics) for r in results)
    if hidden and args.format == "text":
        print(f"shapelint: {hidden} finding{'s' if hidden != 1 else ''} in the baseline not shown", file=sys.stderr)
    return results, None


def run_coverage(args: argparse.Namespace) -> int:
    from pathlib import Path

    from shapelint.config import Config
    from shapelint.coverage import FileCoverage, coverage_sites, json_report, text_report
    from shapelint.file_runner import analyze_path, discover

    missing = [p for p in args.paths if not Path(p).exists()]
    for path in missing:
        print(f"shapelint: {path}: no such file or folder", file=sys.stderr)
    if missing:
        return EXIT_ERROR
    base = Config(trusted=not args.untrusted)
    if args.keras_version:
        base = base.merged({"keras-version": args.keras_version})
    files = []
    for path in discover(args.paths):
        analysis, error = analyze_path(path, base)
        files.append(FileCoverage(str(path), coverage_sites(analysis) if analysis is not None else (), error))
    if args.format == "json":
        print(json.dumps(json_report(files), indent=2))
    else:
        print(text_report(files, show_files=not args.totals))
    return EXIT_CLEAN


def result_cache(directory: str | None) -> Any:
    """The on-disk result cache of `check` (in `directory`, or the default place)."""
    from pathlib import Path

    from shapelint.check_cache import ResultCache, default_cache_dir

    return ResultCache(Path(directory) if directory else default_cache_dir())


def run_budget(seconds: float | None) -> Any:
    """The one time budget of a `check --confirm` run."""
    from shapelint.confirm.pipeline import DEFAULT_RUN_BUDGET_SECONDS, ConfirmBudget

    return ConfirmBudget(DEFAULT_RUN_BUDGET_SECONDS if seconds is None else max(0.0, seconds))


def confirm_client() -> Any:
    """A TensorFlow worker client, or None (with one clear message) when TensorFlow is absent."""
    from shapelint.confirm import ENABLE_MESSAGE
    from shapelint.confirm.pipeline import open_client

    client = open_client()
    if client is None:
        print(f"shapelint: {ENABLE_MESSAGE}", file=sys.stderr)
    return client


def run_rules(output_format: str) -> int:
    from shapelint.rules import all_rules

    rules = all_rules()
    if output_format == "json":
        print(
            json.dumps(
                [{"code": r.code, "name": r.name, "summary": r.summary, "severity": r.severity.value} for r in rules],
                indent=2,
            )
        )
    elif output_format == "markdown":
        print(rules_reference(), end="")
    else:
        for rule in rules:
            print(f"{rule.code}  {rule.name:<28} {rule.summary}")
    return EXIT_CLEAN


def rules_reference() -> str:
    """docs/rules.md: a table of every rule, then each rule's documentation."""
    from shapelint.rules import all_rules

    lines = [
        "# shapelint rules",
        "",
        "Generated by `shapelint rules --format markdown`; `shapelint explain CODE` shows one rule.",
        "",
        "| Code | Name | Severity | What it catches |",
        "|---|---|---|---|",
        "| SL001 | syntax-error | error | Code that does not parse; the rest of the file is still checked. |",
        "| SL002 | tensorflow-build-error | information | With `--confirm`: TensorFlow could not build the "
        "model for a reason other than shapes (e.g. an unknown activation); its findings stay unconfirmed. |",
        "| SL003 | analysis-limit | hint | A statement too large or deeply nested to parse, or the work limit "
        "of an analysis reached: that part is not analysed. |",
    ]
    lines += [f"| {r.code} | {r.name} | {r.severity.value} | {r.summary} |" for r in all_rules()]
    for rule in all_rules():
        lines += ["", f'<a id="{rule.code.lower()}"></a>', "", rule.docs().replace("# ", "## ", 1)]
    return "\n".join(lines) + "\n"


def run_explain(code: str) -> int:
    from shapelint.rules import get_rule

    rule = get_rule(code)
    if rule is None:
        print(f"shapelint: unknown rule {code!r}; `shapelint rules` lists them.", file=sys.stderr)
        return EXIT_ERROR
    print(rule.docs())
    return EXIT_CLEAN


if __name__ == "__main__":
    raise SystemExit(main())
