"""The report file: the same document as --output json, versioned."""

from __future__ import annotations

from proxyctl.load.result import LoadResult

SUFFIXES = (".json",)


def render(result: LoadResult, suffix: str) -> str:
    from proxyctl.output import document, jsonable

    return document(result.KIND, jsonable(result)) + "\n"
