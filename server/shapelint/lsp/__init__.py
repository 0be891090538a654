"""The shapelint language server (`shapelint server`)."""

from __future__ import annotations


def serve(*, tcp: str | None = None) -> None:
    """Run the language server on stdio, or on TCP when `tcp` is "HOST:PORT"."""
    from shapelint.generated_code import cached_generated_code

    # Imported here so that `import shapelint.lsp` stays cheap for the CLI.
    with cached_generated_code("dataclasses", "attr._make"):
        from shapelint.knowledge.registry import load_overlays
        from shapelint.lsp.server import serve as run

        load_overlays()  # the library overlays the first analysis would import, with their classes

    run(tcp=tcp)


__all__ = ["serve"]
