"""Which syntax errors wait while the user types: new ones, where the typing is, for one second."""

from __future__ import annotations

from lsprotocol import types
from shapelint.lsp.typing_pause import SyntaxErrorPause, edited_lines


def finding(code: str, line: int) -> types.Diagnostic:
    span = types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=4))
    return types.Diagnostic(range=span, message=code, code=code)


def test_edited_lines_cover_the_new_text_and_whole_text_changes_are_not_typing() -> None:
    assert edited_lines([(3, 3, "x"), (5, 5, "a\nb")]) == (3, 6)
    assert edited_lines([(-1, -1, "")]) is None


def test_a_new_syntax_error_at_the_typing_waits_and_is_due_after_the_pause() -> None:
    pause = SyntaxErrorPause(hold_seconds=1.0)
    pause.edited("u", (4, 4), now=10.0)
    found = [finding("SL101", 1), finding("SL001", 4)]
    kept, again = pause.hold_back("u", found, shown=[], now=10.2)
    assert [d.code for d in kept] == ["SL101"] and again is not None and abs(again - 0.8) < 1e-9
    kept, again = pause.hold_back("u", found, shown=[], now=11.0)
    assert [d.code for d in kept] == ["SL101", "SL001"] and again is None


def test_shown_errors_and_errors_elsewhere_never_wait() -> None:
    pause = SyntaxErrorPause()
    pause.edited("u", (4, 4), now=10.0)
    shown_before = [finding("SL001", 4)]
    kept, _ = pause.hold_back("u", [finding("SL001", 4)], shown=shown_before, now=10.1)
    assert [d.code for d in kept] == ["SL001"]
    kept, again = pause.hold_back("u", [finding("SL001", 20)], shown=[], now=10.1)
    assert [d.code for d in kept] == ["SL001"] and again is None
    pause.edited("u", None, now=10.2)  # the whole text replaced: not typing
    kept, _ = pause.hold_back("u", [finding("SL001", 4)], shown=[], now=10.3)
    assert [d.code for d in kept] == ["SL001"]
