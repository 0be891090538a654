"""A whole `shapelint check` run replayed from the cache when nothing it depended on changed.

The per-file cache (`check_cache`) spares a repeated run the analyses, but not its start-up: the
configuration, the findings' classes, the formatters and a lookup per file. So a run with the
cache on also stores, in the cache folder, its whole output (standard output and exit status)
under a digest of how it was asked (the arguments, the current folder, the Python, `sys.path`,
shapelint's code fingerprint), with everything it depended on, as `read_log` observations:
- the named paths (file or folder), and each folder's entries as the file discovery saw them;
- the content of every file checked;
- the `pyproject.toml` each file's configuration came from, and the absence of one in each
  folder between it and the file;
- the packages installed along `sys.path` (the installed Keras decides the target version);
- everything each file's analysis read (or the file scan looked for, for a skipped file).
A later run asked the same way checks those observations with the standard library alone
(nothing of the engine, the configuration or the formatters is imported) and, when every one
still holds, prints the stored output: the output of the same run on the same inputs. Any
difference, or anything unexpected in the record, is a miss and the run goes on as usual.

A file read is not read again when its status is the one recorded with its content (device,
inode, size, modification and change times, as git's index and ruff's cache trust them): every
write sets the change time, which cannot be set back. File times tick coarsely, though, so a file
written again in the tick of a write the record saw could keep its status: a file changed less
than `SETTLED_NS` before its record was stored has no recorded status and is always read.
Only a run that printed nothing on standard error (no unreadable file, no broken
configuration) and did not fix, confirm, use a baseline or read standard input is stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import time

from shapelint import read_log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: importing typing would cost a replayed run a third of its time
    from collections.abc import Iterable, Sequence
    from typing import Any

FORMAT = 1
FOLDER = "runs"  # below the cache's versioned folder
MAX_RECORD_BYTES = 64 * 1024 * 1024
SETTLED_NS = 2_000_000_000  # a file changed this long before a record is stored has a trusted status
ENVIRONMENT = ("SHAPELINT_STRICT", "HOME", "USERPROFILE")


def run_key(arguments: Sequence[str], fingerprint: str) -> str:
    """The name of a run's record: how it was asked, where, by which code and Python, and the
    environment variables an analysis reads (strict mode; the home folder `~/data` names)."""
    environment = [os.environ.get(name) for name in ENVIRONMENT]
    raw = json.dumps(
        [FORMAT, list(arguments), os.getcwd(), sys.executable, sys.version, sys.path, environment, fingerprint]
    )
    return read_log.digest(raw)


def record_path(cache_folder: str, key: str) -> str:
    return os.path.join(cache_folder, FOLDER, f"{key}.json")


def replay(cache_folder: str, key: str) -> tuple[str, int] | None:
    """The stored output and exit status of this run, when every observation still holds."""
    try:
        with open(record_path(cache_folder, key), "rb") as handle:
            raw = handle.read(MAX_RECORD_BYTES + 1)
        if len(raw) > MAX_RECORD_BYTES:
            return None
        record = json.loads(raw)
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            return None
        output, status, observed = record["output"], record["status"], record["observed"]
        statuses = record.get("statuses", {})
        if not isinstance(output, str) or type(status) is not int or not isinstance(observed, list):
            return None
        if not isinstance(statuses, dict):
            return None
        unchanged: dict[str, bool] = {}
        for item in observed:
            kind, path, detail, outcome = item
            if not (
                isinstance(kind, str) and isinstance(path, str) and type(detail) is int and isinstance(outcome, str)
            ):
                return None
            if kind == "read" and path in statuses:
                if path not in unchanged:
                    unchanged[path] = file_status(path) == statuses[path]
                if unchanged[path]:
                    continue  # the content recorded with this status (see the module doc)
            if not read_log.still_true((kind, path, detail, outcome)):
                return None
        return output, status
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None  # missing, unreadable or not ours: run as usual


def store(cache_folder: str, key: str, output: str, status: int, observed: Iterable[read_log.Observation]) -> None:
    """Write a run's record atomically; a failure to write only costs the next run its replay."""
    observations = list(dict.fromkeys(observed))
    record: dict[str, Any] = {
        "format": FORMAT,
        "output": output,
        "status": status,
        "observed": [list(observation) for observation in observations],
        "statuses": settled_statuses(observations, time.time_ns()),
    }
    data = json.dumps(record, separators=(",", ":")).encode("utf-8", "surrogatepass")
    if len(data) > MAX_RECORD_BYTES:
        return
    try:
        write_atomically(record_path(cache_folder, key), data)
    except OSError:
        return


def file_status(path: str) -> list[int] | None:
    """What a replay compares of a file that is not a link: its device, inode, size, modification
    and change times; None for anything else."""
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def settled_statuses(observations: Sequence[read_log.Observation], now_ns: int) -> dict[str, list[int]]:
    """The status of each file read whose content is still what the observations recorded and
    which was last changed at least SETTLED_NS before `now_ns` (the module doc)."""
    if os.name != "posix":
        return {}  # Windows's `st_ctime` is the creation time, which a write does not change
    reads: dict[str, list[read_log.Observation]] = {}
    for observation in observations:
        if observation[0] == "read":
            reads.setdefault(observation[1], []).append(observation)
    found: dict[str, list[int]] = {}
    for path, seen in reads.items():
        before = file_status(path)
        if before is None or before[4] > now_ns - SETTLED_NS:
            continue
        if all(read_log.still_true(observation) for observation in seen) and file_status(path) == before:
            found[path] = before
    return found


def write_atomically(target: str, data: bytes) -> None:
    """Write a cache file whole or not at all (a temporary file beside it, then renamed); OSError when it cannot."""
    import tempfile  # only a run that writes needs it

    os.makedirs(os.path.dirname(target), exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def configuration_observations(folders: Iterable[str]) -> list[read_log.Observation]:
    """Where the configuration of files in the absolute `folders` comes from, as
    `config.find_pyproject` looks: each candidate `pyproject.toml` from the folder up its lexical
    parents to the first that is a file, and that file's content."""
    observed: list[read_log.Observation] = []
    seen: set[str] = set()
    for folder in folders:
        current = folder
        while current not in seen:
            seen.add(current)
            candidate = os.path.join(current, "pyproject.toml")
            located = read_log.located(candidate)
            observed.append(("locate", candidate, 0, located))
            if located.endswith("|file"):
                observed.append(file_content(located.rpartition("|")[0]))
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
    return observed


def environment_observations() -> list[read_log.Observation]:
    """The packages installed in the folders of `sys.path` (the target Keras version comes from them)."""
    folders = dict.fromkeys(os.path.abspath(entry or ".") for entry in sys.path)
    return [("installed", folder, 0, read_log.installed_digest(folder)) for folder in folders]


def file_content(real_path: str, digest: str | None = None) -> read_log.Observation:
    """The whole content of a file that is not a link: its digest (`read_log.digest` of its bytes),
    read now unless given."""
    if digest is None:
        digest = read_log.digest(read_log.read_whole(real_path))
    return ("read", real_path, read_log.read_detail(0, read_log.WHOLE), digest)
