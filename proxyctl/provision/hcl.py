"""A small HCL writer: blocks, nested blocks, references and calls, laid out as
`terraform fmt` lays them out. Strings are escaped for HCL, template markers too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class Ref(str):
    """An HCL expression written as it is (a reference, a type), never quoted."""


@dataclass
class Call:
    """A function call on one value: `jsonencode({ ... })`."""

    function: str
    argument: Any


class Nested(dict[str, Any]):
    """A nested block (`auth { ... }`) in a body, under the name of its type."""


@dataclass
class Block:
    header: tuple[str, ...]  # ("resource", "aws_db_proxy", "proxy"): the type, then labels
    body: dict[str, Any]


def resource(address: str, **body: Any) -> Block:
    """A resource block by its Terraform address: `resource("aws_iam_role.proxy", ...)`."""
    return Block(("resource", *address.split(".")), body)


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(text: str) -> str:
    """An HCL string literal: escapes, and `${`/`%{` doubled so they stay literal text."""
    out = "".join(_ESCAPES.get(c, c if c >= " " else f"\\u{ord(c):04x}") for c in text)
    return '"' + out.replace("${", "$${").replace("%{", "%%{") + '"'


def _key(name: str) -> str:
    plain = _IDENTIFIER.match(name) and name not in ("true", "false", "null")
    return name if plain else quote(name)


def _value(value: Any, indent: int) -> list[str]:
    """The lines of a value: the first goes on the line of its `=`, the others are indented."""
    if isinstance(value, str):
        return [value if isinstance(value, Ref) else quote(value)]
    if isinstance(value, bool | int):
        return [str(value).lower()]
    if isinstance(value, Call):
        lines = _value(value.argument, indent)
        lines[0] = f"{value.function}({lines[0]}"
        lines[-1] += ")"
        return lines
    pad = "  " * indent
    if isinstance(value, dict):
        body = _body({_key(k): v for k, v in value.items()}, indent + 1)
        return ["{", *body, pad + "}"] if body else ["{}"]
    if all(isinstance(item, str | int) for item in value):
        return ["[" + ", ".join(_value(item, indent)[0] for item in value) + "]"]
    lines = ["["]
    for item in value:
        inner = _value(item, indent + 1)
        lines += [pad + "  " + inner[0], *inner[1:-1], inner[-1] + ","]
    return [*lines, pad + "]"]


def _body(items: dict[str, Any], indent: int) -> list[str]:
    """Attributes, then nested blocks; runs of one-line attributes align their `=`."""
    pad = "  " * indent
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(name) for name, _ in run), default=0)
        lines.extend(f"{pad}{name.ljust(width)} = {text}" for name, text in run)
        run.clear()

    for name, value in items.items():
        rendered = _value(value, indent) if not isinstance(value, Nested) else []
        if len(rendered) == 1:
            run.append((name, rendered[0]))
            continue
        flush()
        if isinstance(value, Nested):
            lines += [""] if lines else []
            lines += _block(Block((name,), value), indent)
        else:
            lines += [f"{pad}{name} = {rendered[0]}", *rendered[1:]]
    flush()
    return lines


def _block(block: Block, indent: int = 0) -> list[str]:
    pad = "  " * indent
    kind, *labels = block.header
    header = " ".join([kind, *(quote(label) for label in labels)])
    return [f"{pad}{header} {{", *_body(block.body, indent + 1), pad + "}"]


def render(blocks: list[Block]) -> str:
    return "\n\n".join("\n".join(_block(block)) for block in blocks) + "\n"


# --- the configuration -----------------------------------------------------------
