"""The fixture corpus: real-looking buggy programs (each proven to crash under TensorFlow) and
correct look-alikes (each proven to run). Every marked mistake must be found on its marked line
with its code, and correct programs must get no error or warning at all."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from shapelint.config import Config
from shapelint.diagnostics import Severity
from shapelint.engine import analyze
from shapelint.testing import Expectation, actual, expected

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFIG = Config(keras_version=3)
BUGGY = sorted((FIXTURES / "buggy").glob("*.py"))
CORRECT = sorted((FIXTURES / "correct").glob("*.py"))


def statement_lines(text: str, found: set[Expectation]) -> set[Expectation]:
    """Each finding also counts at the first line of the statement it is in (a multi-line fit call
    is marked where it starts, while the finding points at the argument on a later line)."""
    statements = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.stmt)]
    widened = set(found)
    for line, code, kind in found:
        enclosing = [s.lineno for s in statements if s.lineno <= line <= (s.end_lineno or s.lineno)]
        if enclosing:
            widened.add((max(enclosing), code, kind))
    return widened


def test_corpus_is_there() -> None:
    assert len(BUGGY) >= 60 and len(CORRECT) >= 40


def config_for(text: str) -> Config:
    """Keras 3, or Keras 2 for a fixture whose leading comments say `# keras: 2`."""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if re.fullmatch(r"#\s*keras:\s*2\s*", line):
            return Config(keras_version=2)
    return CONFIG


def where(path: Path) -> dict[str, str]:
    """The fixture's place on disk: its data/ files and the helper modules beside it are read."""
    return {"path": str(path), "root": str(path.parent.parent)}


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_buggy_fixture_is_detected_on_its_marked_line(path: Path) -> None:
    text = path.read_text()
    want = expected(text)
    assert want, "a buggy fixture must mark where the mistake is"
    found = actual(analyze(text, config_for(text), **where(path)).diagnostics)
    missing = want - statement_lines(text, found)
    assert not missing, f"not found: {sorted(missing)}; found: {sorted(found)}"
    unexpected = {f for f in found if f[2] in ("error", "warning") and not statement_lines(text, {f}) & want}
    assert not unexpected, f"unexpected findings: {sorted(unexpected)}"


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_fixture_has_no_error_or_warning(path: Path) -> None:
    text = path.read_text()
    diagnostics = analyze(text, config_for(text), **where(path)).diagnostics
    blocking = [d for d in diagnostics if d.severity in (Severity.ERROR, Severity.WARNING)]
    assert not blocking, [(d.range.start.line + 1, d.code, d.message) for d in blocking]
    assert actual(diagnostics) == expected(text)


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_applied_fixes_remove_their_findings(path: Path) -> None:
    """`check --fix` on a buggy program: every finding whose fix was applied is gone afterwards."""
    from shapelint.fixes import apply_edits, fix_edits

    text = path.read_text()
    diagnostics = analyze(text, config_for(text), **where(path)).diagnostics
    edits = fix_edits(diagnostics, unsafe=True)  # every fix, safe or not, must remove its finding
    if not edits:
        pytest.skip("no fix offered")
    fixed_codes = {d.code for d in diagnostics if d.fix is not None and all(e in edits for e in d.fix.edits)}
    after = analyze(apply_edits(text, edits), config_for(text), **where(path)).diagnostics
    remaining = [d for d in after if d.code in fixed_codes and d.severity in (Severity.ERROR, Severity.WARNING)]
    assert not remaining, [(d.range.start.line + 1, d.code, d.message) for d in remaining]
