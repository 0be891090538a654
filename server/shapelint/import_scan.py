"""Which files `shapelint check` may skip without parsing them.

Every finding needs a value that only a library shapelint knows can make (a Keras model or
layer, a NumPy or TensorFlow array, a pandas frame, a jaxtyping annotation), either in the
file itself or in a project module it imports (whose functions may build a model the file
then trains). So a file is skipped when its text (a notebook: the source of its cells) names
none of those libraries as a word anywhere, has no relative import, and no word on a line
that imports names a module or package of the project (a `name.py` or `name/` beside the
file or at the project root). The scan is textual and conservative: a comment that mentions
`numpy`, a string that says "import data" next to a `data/` folder, keep a file checked.
The cost is one regular-expression pass over text already read and a few `lstat`s.

A skipped file is reported as clean; it is still read as a module by the files that import it.
"""

from __future__ import annotations

import json
import keyword
import os
import re
from collections.abc import Callable, Iterable

# Top-level packages whose values shapelint knows (besides the standard library): the heads of
# the knowledge registry's names and of the spellings `names.py` maps onto them.
SHAPE_LIBRARIES = (
    "keras",
    "tensorflow",
    "tf_keras",
    "numpy",
    "pandas",
    "sklearn",
    "PIL",
    "cv2",
    "h5py",
    "tensorflow_datasets",
    "jaxtyping",
    "typing_extensions",
)
_LIBRARY_WORD = re.compile(r"\b(?:" + "|".join(SHAPE_LIBRARIES) + r")\b")
_RELATIVE_IMPORT = re.compile(r"\bfrom\s*\\?\s*\.")
_IMPORT_LINE = re.compile(r"^.*import.*$", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset(keyword.kwlist) | {"import_module", "__import__", "importlib"}


def names_no_shape_library(text: str, folders: Iterable[str], exists: Callable[[str], bool] = os.path.lexists) -> bool:
    """True when Python `text` names no library shapelint knows and imports none of the project's
    modules found in `folders` (the file's own folder and the project root): nothing to report."""
    if _LIBRARY_WORD.search(text) or _RELATIVE_IMPORT.search(text):
        return False
    words: set[str] = set()
    for match in _IMPORT_LINE.finditer(text):
        line = match.group()
        end = match.end()
        # A backslash continues the statement: the next lines may name more modules.
        while line.rstrip().endswith("\\") and end < len(text):
            following = text.find("\n", end + 1)
            following = len(text) if following < 0 else following
            line += text[end + 1 : following]
            end = following
        words.update(word for word in _WORD.findall(line) if word not in _KEYWORDS)
    bases = [folder for folder in dict.fromkeys(folders) if folder]
    for word in sorted(words):
        for base in bases:
            if exists(os.path.join(base, word)) or exists(os.path.join(base, f"{word}.py")):
                return False
    return True


def notebook_source(text: str) -> str | None:
    """The source of a notebook's cells joined by lines, or None when it is not a notebook's JSON
    (then the file is analysed, which reports why)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return None
    parts = []
    for cell in cells:
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            return None  # malformed: the analysis says what is wrong with it
        parts.append(source)
    return "\n".join(parts)


def can_skip(
    text: str, notebook: bool, folders: Iterable[str], exists: Callable[[str], bool] = os.path.lexists
) -> bool:
    """Whether a file with this text (a notebook's JSON when `notebook`) can be reported clean unread
    (`exists`: how to look for a project module, e.g. noting what was looked for)."""
    if notebook:
        source = notebook_source(text)
        if source is None:
            return False
        text = source
    return names_no_shape_library(text, folders, exists)
