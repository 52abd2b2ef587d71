"""The host mapping setting, like curl's --resolve: `host:port=addr:port` pairs that make
every command that connects dial ADDR:PORT for that endpoint, while TLS's name check
and IAM tokens keep the real host name (as --via does for one command).

It comes from PROXYCTL_RESOLVE ("host:port=addr:port,...") or, below it, the key
`resolve` in any config table (the same string, or a list of `host:port=addr:port`).
Useful for a tunnel, and for the lab, whose endpoint names do not resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxyctl.errors import UsageError

ENV = "PROXYCTL_RESOLVE"
KEY = "resolve"
Endpoint = tuple[str, int]
EXAMPLE = "orders.proxy-abc.us-east-1.rds.amazonaws.com:5432=127.0.0.1:6432"


def parse(text: str, where: str) -> dict[Endpoint, Endpoint]:
    """`host:port=addr:port` pairs separated by commas; WHERE names the source in errors."""
    found: dict[Endpoint, Endpoint] = {}
    for pair in (part.strip() for part in text.split(",")):
        if not pair:
            continue
        name, sep, address = pair.partition("=")
        if not sep:
            raise _bad(where, pair, "has no `=`")
        found[_endpoint(name, where, pair)] = _endpoint(address, where, pair)
    return found


def _endpoint(text: str, where: str, pair: str) -> Endpoint:
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]").lower().rstrip(".")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise _bad(where, pair, f"{text.strip()!r} is not HOST:PORT")
    if any(c.isspace() or c in "/@=," for c in host):
        raise _bad(where, pair, f"{host!r} is not a host name or address")
    return host, int(port)


def _bad(where: str, pair: str, why: str) -> UsageError:
    return UsageError(
        f"{where}: {pair!r} {why}.",
        hint=f"Write host:port=address:port pairs separated by commas, e.g. {EXAMPLE}.",
        field=where,
    )


def setting(
    table: Mapping[str, Any], origins: Mapping[str, str], env: Mapping[str, str]
) -> dict[Endpoint, Endpoint]:
    """The mapping in force: PROXYCTL_RESOLVE when set, else the config key `resolve`."""
    if env.get(ENV, "").strip():
        return parse(env[ENV], ENV)
    value = table.get(KEY)
    if value is None:
        return {}
    where = f"{origins.get(KEY, 'config')}: {KEY}"
    if isinstance(value, str):
        return parse(value, where)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return parse(",".join(value), where)
    raise UsageError(
        f"{where} must be a string or a list of strings.",
        hint=f"For example: resolve = [{EXAMPLE!r}]",
        field=where,
    )


def lookup(mapping: Mapping[Endpoint, Endpoint], host: str, port: int) -> Endpoint | None:
    """Where to dial HOST:PORT instead, if the mapping names it (host names ignore case)."""
    return mapping.get((host.lower().rstrip("."), port))
