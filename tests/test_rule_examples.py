"""Every rule's own VALID and INVALID examples, as the rule file writes them (Fixit style)."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.fixes import apply_edits, fix_edits
from shapelint.rules import all_rules
from shapelint.testing import actual, expected

CONFIG = Config(keras_version=3)
CASES = [
    pytest.param(rule, kind, index, source, id=f"{rule.code}-{kind}-{index}")
    for rule in all_rules()
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for index, source in enumerate(examples)
]


def test_every_rule_has_valid_and_invalid_examples() -> None:
    for rule in all_rules():
        assert rule.VALID, f"{rule.code} has no VALID example"
        assert rule.INVALID, f"{rule.code} has no INVALID example"


@pytest.mark.parametrize(("rule", "kind", "index", "source"), CASES)
def test_rule_example(rule: type, kind: str, index: int, source: str) -> None:
    diagnostics = analyze(source, CONFIG).diagnostics
    found = {item for item in actual(diagnostics) if item[1] == rule.code}
    if kind == "valid":
        assert not found, f"{rule.code} fired on a VALID example: {[d.message for d in diagnostics]}"
    else:
        want = {item for item in expected(source) if item[1] == rule.code}
        assert want, "an INVALID example must mark its expected line"
        assert found == want, [d.message for d in diagnostics]


@pytest.mark.parametrize(("rule", "kind", "index", "source"), [c for c in CASES if c.values[1] == "invalid"])
def test_rule_fix_leaves_no_finding_of_that_rule(rule: type, kind: str, index: int, source: str) -> None:
    diagnostics = [d for d in analyze(source, CONFIG).diagnostics if d.code == rule.code]
    edits = fix_edits(diagnostics, unsafe=True)  # every fix, safe or not, must remove its finding
    if not edits:
        pytest.skip(f"{rule.code} offers no fix for this example")
    fixed = apply_edits(source, edits)
    assert fixed != source
    remaining = [d for d in analyze(fixed, CONFIG).diagnostics if d.code == rule.code]
    assert not remaining, [d.message for d in remaining]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_docs_have_every_section(rule: type) -> None:
    docs = rule.docs()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in docs
    assert rule.code in docs and rule.name in docs
