"""The shapelint language server (`shapelint server`)."""

from __future__ import annotations


def serve(*, tcp: str | None = None) -> None:
    """Run the language server on stdio, or on TCP when `tcp` is "HOST:PORT"."""
    # Imported here so that `import shapelint.lsp` stays cheap for the CLI.
    from shapelint.lsp.server import serve as run

    run(tcp=tcp)


__all__ = ["serve"]
