"""One minimal LSP client over stdio, shared by every server benchmark.

The same code drives shapelint's server and pyright's, so the two latencies differ only
by the server. It speaks JSON-RPC with Content-Length framing, answers the requests
servers send back (workspace/configuration, capability registration, progress), and
time-stamps every textDocument/publishDiagnostics the moment it is read.

Change-to-diagnostics latency = from writing the didChange for version v to reading the
publishDiagnostics for the same document and version v (both servers send the version,
because the client announces `versionSupport`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import Edit


class ServerGone(RuntimeError):
    """The server exited, or did not answer in time: the benchmark is broken, not slow."""


@dataclass(frozen=True)
class Published:
    uri: str
    version: int | None
    count: int
    at: float  # time.perf_counter() when the notification was read


@dataclass
class _Waiter:
    uri: str
    version: int | None
    future: asyncio.Future[Published]


@dataclass
class LspClient:
    """A running language server and the client end of its stdio connection."""

    command: Sequence[str]
    root: Path
    settings: Mapping[str, Any] = field(default_factory=dict)  # answers to workspace/configuration
    env: Mapping[str, str] | None = None
    _process: asyncio.subprocess.Process | None = None
    _reader: asyncio.Task[None] | None = None
    _next_id: int = 0
    _pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    _waiters: list[_Waiter] = field(default_factory=list)
    _versions: dict[str, int] = field(default_factory=dict)
    _stderr_tail: list[bytes] = field(default_factory=list)
    published: list[Published] = field(default_factory=list)

    # Lifecycle ------------------------------------------------------------------------
    async def start(self, timeout: float = 60.0) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=str(self.root),
            env=dict(self.env) if self.env is not None else None,
            limit=1 << 24,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())
        asyncio.get_running_loop().create_task(self._drain_stderr())
        root_uri = self.root.resolve().as_uri()
        await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": self.root.name}],
                "capabilities": {
                    "textDocument": {
                        "synchronization": {"didSave": True, "dynamicRegistration": False},
                        "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
                    },
                    "workspace": {"configuration": True, "workspaceFolders": True},
                    "general": {"positionEncodings": ["utf-16"]},
                },
            },
            timeout,
        )
        await self.notify("initialized", {})
        # Some servers reply to `settings` only after asking for them.
        await self.notify("workspace/didChangeConfiguration", {"settings": dict(self.settings)})

    async def stop(self, timeout: float = 10.0) -> None:
        process = self._process
        if process is None:
            return
        try:
            if process.returncode is None:
                await self.request("shutdown", None, timeout)
                await self.notify("exit", None)
                await asyncio.wait_for(process.wait(), timeout)
        except (ServerGone, asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            if self._reader is not None:
                self._reader.cancel()

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    # Documents ------------------------------------------------------------------------
    async def open(self, path: Path, text: str) -> str:
        uri = path.resolve().as_uri()
        self._versions[uri] = 1
        await self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        return uri

    async def open_and_wait(self, path: Path, text: str, timeout: float) -> tuple[str, float]:
        """Open a document and wait for its first diagnostics; returns (uri, seconds)."""
        uri = path.resolve().as_uri()
        waiter = self._expect(uri, 1)
        started = time.perf_counter()
        await self.open(path, text)
        published = await self._wait(waiter, timeout)
        return uri, published.at - started

    async def close(self, uri: str) -> None:
        await self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    async def change_and_wait(self, uri: str, edit: Edit, timeout: float) -> float:
        """Send one incremental change and return the seconds until its diagnostics arrive."""
        version = self._versions[uri] + 1
        self._versions[uri] = version
        waiter = self._expect(uri, version)
        position = {"line": edit.line, "character": edit.column}
        started = time.perf_counter()
        await self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": position, "end": position}, "text": edit.text}],
            },
        )
        published = await self._wait(waiter, timeout)
        return published.at - started

    # JSON-RPC -------------------------------------------------------------------------
    async def request(self, method: str, params: Any, timeout: float = 30.0) -> Any:
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        await self._send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError as error:
            raise ServerGone(f"{self.command[0]}: no answer to {method} in {timeout} s{self._stderr()}") from error

    async def notify(self, method: str, params: Any) -> None:
        await self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def _send(self, message: dict[str, Any]) -> None:
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            raise ServerGone(f"{self.command[0]} is not running{self._stderr()}")
        body = json.dumps(message).encode("utf-8")
        process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await process.stdin.drain()

    async def _read_loop(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        try:
            while True:
                length = None
                while True:
                    line = await stdout.readline()
                    if not line:
                        raise EOFError
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length is None:
                    continue
                body = await stdout.readexactly(length)
                self._dispatch(json.loads(body), time.perf_counter())
        except (EOFError, asyncio.IncompleteReadError, ConnectionError):
            error = ServerGone(f"{self.command[0]} closed its output{self._stderr()}")
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            for waiter in self._waiters:
                if not waiter.future.done():
                    waiter.future.set_exception(error)

    def _dispatch(self, message: dict[str, Any], at: float) -> None:
        method = message.get("method")
        if method is None:  # a response to one of our requests
            future = self._pending.pop(message.get("id", -1), None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(ServerGone(f"{self.command[0]}: {message['error']}"))
                else:
                    future.set_result(message.get("result"))
            return
        if "id" in message:  # a request from the server
            asyncio.get_running_loop().create_task(self._answer(message["id"], method, message.get("params")))
            return
        if method == "textDocument/publishDiagnostics":
            params = message["params"]
            published = Published(params["uri"], params.get("version"), len(params["diagnostics"]), at)
            self.published.append(published)
            for waiter in list(self._waiters):
                if waiter.uri == published.uri and (published.version is None or published.version == waiter.version):
                    self._waiters.remove(waiter)
                    if not waiter.future.done():
                        waiter.future.set_result(published)

    async def _answer(self, request_id: Any, method: str, params: Any) -> None:
        result: Any = None
        if method == "workspace/configuration":
            result = [self._section(item.get("section")) for item in params.get("items", [])]
        with contextlib.suppress(ServerGone):  # the server is going away: nobody waits for the answer
            await self._send({"jsonrpc": "2.0", "id": request_id, "result": result})

    def _section(self, section: str | None) -> Any:
        if not section:
            return dict(self.settings)
        value: Any = self.settings
        for part in section.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        return value

    def _expect(self, uri: str, version: int) -> _Waiter:
        waiter = _Waiter(uri, version, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        return waiter

    async def _wait(self, waiter: _Waiter, timeout: float) -> Published:
        try:
            return await asyncio.wait_for(waiter.future, timeout)
        except asyncio.TimeoutError as error:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            raise ServerGone(
                f"{self.command[0]}: no diagnostics for {waiter.uri} v{waiter.version} in {timeout} s{self._stderr()}"
            ) from error

    async def _drain_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        while True:
            line = await self._process.stderr.readline()
            if not line:
                return
            self._stderr_tail = [*self._stderr_tail[-19:], line]

    def _stderr(self) -> str:
        if not self._stderr_tail:
            return ""
        return "\n  server stderr:\n  " + "  ".join(line.decode("utf-8", "replace") for line in self._stderr_tail)


# Memory -----------------------------------------------------------------------------------
def _status_kib(pid: int, field_name: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children, in MiB."""
    return sum(_status_kib(each, "VmHWM") for each in descendants(pid)) / 1024
