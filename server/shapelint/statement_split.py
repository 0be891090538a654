"""Text -> lines and top-level statements, and the same again after an edit at the cost of the edit.

`split_statements` is a light scanner: it tracks brackets, strings and backslash
continuations, so it works on text that does not parse. `resplit` takes the split of an
earlier text and re-scans only what an edit changed: the lines before the first changed
character and after the last are the earlier text's, and scanning resumes before the change
and stops at the first line after it where both texts read the same lines from the same
state. Such lines are the statement starts and the checkpoints a scan keeps: a line every
`CHECKPOINT_LINES` or so where the scanner's state is clean (no open bracket, string or
continuation, no decorator above), so a keystroke inside a 500-line function re-scans a few
dozen lines, not the function. The result is the one a full split gives, line for line and
statement for statement.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Lines that continue a compound statement rather than start a new one.
CONTINUATION = re.compile(r"(else|elif|except|finally|case)\b")
_SIGNIFICANT = re.compile(r"\"\"\"|'''|[\"'#\\()\[\]{}]")
# A carriage return that is not part of "\r\n": where counting "\n" does not count lines.
_LONE_CR = re.compile(r"\r(?!\n)")
# Texts are compared this many characters at a time, then the differing block by halves.
_BLOCK = 4096
# A scan keeps a clean line at least this many lines after the one before (see the module doc).
CHECKPOINT_LINES = 32


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer splits (\\n, \\r\\n, \\r only)."""
    return io.StringIO(text, newline="").readlines()


def split_statements(lines: Sequence[str]) -> list[int]:
    """Indexes of the lines that start a top-level statement (line 0 always starts one).

    Blank and comment-only lines stay with the statement above.
    """
    return scan_statements(lines, 0).starts


@dataclass(frozen=True)
class Scan:
    """What `scan_statements` found: the statement starts from its first line up to `stop` (the
    line it converged at, or the end), and clean lines to resume at (`clean`, see the module doc)."""

    starts: list[int]
    clean: list[int]
    stop: int


def scan_statements(
    lines: Sequence[str],
    begin: int,
    converged: Callable[[int], bool] | None = None,
    *,
    begin_starts: bool = True,
    every: int = CHECKPOINT_LINES,
) -> Scan:
    """Statement starts from line `begin` to the end or to a convergence.

    Line `begin` is scanned from a clean state: a statement start (`begin_starts`, it is the
    first start) or a clean line of an earlier scan of the same lines. The scan stops at the
    first later line in a clean state for which `converged(line)` holds. Clean lines are kept
    from `begin` on, at least `every` lines apart.
    """
    starts = [begin] if begin_starts else []
    clean = [begin]
    depth = 0
    in_string: str | None = None  # the quote that closes the open string
    continued = False
    after_decorator = False
    for number in range(begin, len(lines)):
        line = lines[number]
        at_top = depth == 0 and in_string is None and not continued
        if number > begin and at_top and not after_decorator:
            if converged is not None and converged(number):
                return Scan(starts, clean, number)
            if number - clean[-1] >= every:
                clean.append(number)
            if line[:1] not in ("", " ", "\t", "\n", "\r", "#", "\f"):
                if not CONTINUATION.match(line) and line[0] not in ")]}":
                    starts.append(number)
        if at_top and line.strip() and not line.lstrip().startswith("#"):
            after_decorator = line.startswith("@")  # comment lines between decorators and their def do not end it
        continued = False
        for match in _SIGNIFICANT.finditer(line):
            token = match.group()
            if in_string is not None:
                if token == in_string:
                    in_string = None
                continue
            if token == "#":
                break
            if token in ('"""', "'''", '"', "'"):
                in_string = token
            elif token in "([{":
                depth += 1
            elif token in ")]}":
                depth = max(depth - 1, 0)
            elif token == "\\":
                continued = line.rstrip("\r\n").endswith("\\")
        if in_string is not None:
            # A single-quoted string cannot span lines: it ends (badly) at the end of the line.
            if in_string in ('"', "'") and not line.rstrip("\r\n").endswith("\\"):
                in_string = None
        # Escaped quotes inside strings are rare in Keras code; a mis-scan only costs a
        # larger chunk, which the parser then checks.
    return Scan(starts, clean, len(lines))


@dataclass(frozen=True)
class LineSplit:
    """A text's lines (with their endings and as written, without them), its statement starts, and
    lines where a scan can resume (`Scan.clean`)."""

    text: str
    lines: list[str]
    written: list[str]
    starts: list[int]  # empty for an empty text
    clean: list[int] = field(default_factory=list, compare=False)

    @staticmethod
    def of(text: str) -> LineSplit:
        lines = split_lines(text)
        if not lines:
            return LineSplit(text, lines, [], [])
        scan = scan_statements(lines, 0)
        return LineSplit(text, lines, [line.rstrip("\r\n") for line in lines], scan.starts, scan.clean)


@dataclass(frozen=True)
class Resplit:
    """A new text's split, and which statements of the earlier split it kept.

    Statements starting before line `rescanned_from` are the earlier text's; those from new line
    `kept_from` on are the earlier text's from line `kept_from - line_shift` on, moved by
    `line_shift` lines; the statements in between were scanned again.
    """

    split: LineSplit
    rescanned_from: int
    kept_from: int
    line_shift: int

    @staticmethod
    def whole(text: str, earlier: LineSplit | None = None) -> Resplit:
        """`text` split from its first line to its last (nothing of `earlier` kept)."""
        split = LineSplit.of(text)
        return Resplit(split, 0, len(split.lines), len(split.lines) - (len(earlier.lines) if earlier else 0))


def resplit(earlier: LineSplit, text: str) -> Resplit:
    """The split of `text`, re-scanning only the statements the change from `earlier.text` touches."""
    if not earlier.lines or not text or _has_lone_cr(earlier.text) or _has_lone_cr(text):
        return Resplit.whole(text, earlier)  # counting "\n" would not count lines: split it all
    old = earlier.text
    prefix = common_prefix(old, text)
    suffix = common_suffix(old, text, min(len(old), len(text)) - prefix)
    # Lines before `first` end before the first changed character; lines from `last` on (and the
    # line break before them) come after the last one: the text between is split again.
    if prefix <= len(old) // 2:
        first = old.count("\n", 0, prefix)
    else:  # counted from the end, where fewer lines are
        first = len(earlier.lines) - (not old.endswith("\n")) - old.count("\n", prefix)
    first_offset = old.rfind("\n", 0, prefix) + 1
    suffix_start = len(old) - suffix
    line_break = old.find("\n", suffix_start) if suffix else -1
    if line_break < 0:
        last, last_offset = len(earlier.lines), len(old)
    else:
        last, last_offset = first + old.count("\n", prefix, suffix_start) + 1, line_break + 1
    middle = split_lines(text[first_offset : len(text) - (len(old) - last_offset)])
    lines = [*earlier.lines[:first], *middle, *earlier.lines[last:]]
    written = [*earlier.written[:first], *(line.rstrip("\r\n") for line in middle), *earlier.written[last:]]
    shift = len(lines) - len(earlier.lines)
    kept_lines_from = first + len(middle)  # the first new line that is an unchanged earlier line
    old_starts, old_clean = earlier.starts, earlier.clean
    # Resume at the last statement start or clean line before the first changed line: the lines
    # above are unchanged, so its state is.
    resume = max(_last_before(old_starts, first), _last_before(old_clean, first))

    def converged(line: int) -> bool:
        if line < kept_lines_from:
            return False
        return _holds(old_starts, line - shift) or _holds(old_clean, line - shift)

    at = bisect_left(old_starts, resume)
    resumes_at_start = at < len(old_starts) and old_starts[at] == resume
    scan = scan_statements(lines, resume, converged, begin_starts=resumes_at_start)
    stop = scan.stop
    kept = bisect_left(old_starts, stop - shift)
    head = old_starts[:at]
    tail = old_starts[kept:] if shift == 0 else [start + shift for start in old_starts[kept:]]
    starts = [*head, *scan.starts, *tail]
    kept_clean = old_clean[bisect_left(old_clean, stop - shift) :]
    clean = [
        *old_clean[: bisect_left(old_clean, resume)],
        *scan.clean,
        *(kept_clean if shift == 0 else [line + shift for line in kept_clean]),
    ]
    # The statements re-made: from the one holding the line scanning resumed at up to the first
    # start from where the scan converged on (the statement holding that line was re-scanned).
    rescanned_from = resume if resumes_at_start else head[-1]
    kept_from = tail[0] if tail else len(lines)
    return Resplit(LineSplit(text, lines, written, starts, clean), rescanned_from, kept_from, shift)


def _last_before(lines: list[int], line: int) -> int:
    """The last of the sorted `lines` before `line` (0 when none is)."""
    at = bisect_left(lines, line)
    return lines[at - 1] if at else 0


def _holds(lines: list[int], line: int) -> bool:
    at = bisect_left(lines, line)
    return at < len(lines) and lines[at] == line


def _has_lone_cr(text: str) -> bool:
    return "\r" in text and _LONE_CR.search(text) is not None


def common_prefix(a: str, b: str) -> int:
    """How many characters `a` and `b` share at their start."""
    limit = min(len(a), len(b))
    low = 0
    while low < limit:
        high = min(low + _BLOCK, limit)
        if a[low:high] != b[low:high]:
            break
        low = high
    else:
        return limit
    # a[:low] == b[:low] and a[:high] != b[:high]: halve until they are one character apart.
    while high - low > 1:
        middle = (low + high) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle
    return low


def common_suffix(a: str, b: str, limit: int) -> int:
    """How many characters (at most `limit`) `a` and `b` share at their end."""
    end_a, end_b = len(a), len(b)
    low = 0
    while low < limit:
        high = min(low + _BLOCK, limit)
        if a[end_a - high : end_a - low] != b[end_b - high : end_b - low]:
            break
        low = high
    else:
        return limit
    while high - low > 1:
        middle = (low + high) // 2
        if a[end_a - middle : end_a - low] == b[end_b - middle : end_b - low]:
            low = middle
        else:
            high = middle
    return low
