"""Where the analysed document lives, and whether its folder may be read.

Handlers that read data files (npy headers, the first lines of a CSV) ask `ev.workspace`;
nothing here reads anything yet. A document without a path (an unsaved buffer, a test)
has no workspace, so nothing next to it is ever read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Workspace:
    """The analysed document's path and workspace root (None when unknown), and the user's trust."""

    document: str | None = None
    root: str | None = None
    trusted: bool = True

    @property
    def directory(self) -> str | None:
        """The folder relative data paths in the document are read from: the document's own."""
        return os.path.dirname(os.path.abspath(self.document)) if self.document else None


def workspace_for(path: str | None, root: str | None = None, trusted: bool = True) -> Workspace:
    """The Workspace of a document at `path` (None: an unsaved buffer)."""
    return Workspace(path, root, trusted)
