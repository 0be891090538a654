"""Editor requests besides diagnostics: hover and inlay hints, timed over stdio.

An editor asks for hovers when the pointer rests on a name and for inlay hints of the visible
lines after every change, so both must answer as fast as a keystroke's diagnostics, also right
after a keystroke in a long function. The same client (`lsp_client.LspClient`) drives
shapelint's server and pyright's with the same files and the same requests; pyright answers
hovers (its inlay hints are Pylance's, not the open-source server's), so the hover ratio is
measured in the same run.

Per file, after didOpen and its diagnostics:
- hover at rest: a hover on the first name of up to `HOVERS` assignment lines spread over the
  file, each once, the server idle in between (the first hover in a statement pays for its
  positions);
- after a keystroke: a keystroke near the middle (bench/edit_positions.py), its diagnostics
  awaited, then a hover on the nearest assignment a few lines below it and the inlay hints of the
  60 lines around it, as an editor asks for them.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import edit_positions
from lsp_client import LspClient
from server_bench import PAUSE_BETWEEN_EDITS, ServerSpec, server_session, write_files

HOVERS = 20
WINDOW = 30  # lines above and below the keystroke whose inlay hints are asked for
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_]\w*)\s*=[^=]")


@dataclass
class RequestResult:
    """One file in one server session: seconds per request of each kind."""

    hover_at_rest: list[float] = field(default_factory=list)
    hover_after_keystroke: list[float] = field(default_factory=list)
    inlay_after_keystroke: list[float] = field(default_factory=list)
    described: int = 0  # hovers that had something to say


def hover_places(text: str, count: int = HOVERS) -> list[tuple[int, int]]:
    """(line, column) of the first name of up to `count` assignment lines spread over `text`."""
    found = [
        (number, match.start(1)) for number, line in enumerate(text.splitlines()) if (match := _ASSIGNMENT.match(line))
    ]
    step = max(1, len(found) // count)
    return found[::step][:count]


def _position(line: int, column: int) -> dict[str, int]:
    return {"line": line, "character": column}


async def _hover(client: LspClient, uri: str, place: tuple[int, int]) -> tuple[float, bool]:
    started = time.perf_counter()
    answer = await client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": _position(*place)})
    return time.perf_counter() - started, bool(answer)


async def _requests(
    spec: ServerSpec, root: Path, files: Sequence[tuple[Path, str]], keystrokes: int, inlay_hints: bool
) -> list[RequestResult]:
    results = []
    async with server_session(spec, root) as client:
        for path, text in files:
            uri, _ = await client.open_and_wait(path, text, spec.timeout)
            result = RequestResult()
            for place in hover_places(text):
                await asyncio.sleep(PAUSE_BETWEEN_EDITS / 4)
                seconds, described = await _hover(client, uri, place)
                result.hover_at_rest.append(seconds)
                result.described += described
            keystroke = edit_positions.keystroke(text, "middle")
            below = [place for place in hover_places(text, 10**6) if place[0] > keystroke.line + 1]
            near = below[0] if below else (keystroke.line, keystroke.column)
            window = {
                "start": _position(max(0, keystroke.line - WINDOW), 0),
                "end": _position(keystroke.line + WINDOW, 0),
            }
            for _ in range(keystrokes):
                await asyncio.sleep(PAUSE_BETWEEN_EDITS)
                await client.change_and_wait(uri, keystroke, spec.timeout)
                text = keystroke.apply(text)
                seconds, _ = await _hover(client, uri, near)
                result.hover_after_keystroke.append(seconds)
                if inlay_hints:
                    started = time.perf_counter()
                    await client.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": window})
                    result.inlay_after_keystroke.append(time.perf_counter() - started)
            await client.close(uri)
            results.append(result)
    return results


def request_latencies(
    spec: ServerSpec, root: Path, files: Sequence[tuple[Path, str]], keystrokes: int, inlay_hints: bool = True
) -> list[RequestResult]:
    """Per file, the seconds of hovers at rest, and of a hover and the inlay hints after each of
    `keystrokes` keystrokes (the module doc). One server process serves every file in turn."""
    write_files(files)
    return asyncio.run(_requests(spec, root, files, keystrokes, inlay_hints))
