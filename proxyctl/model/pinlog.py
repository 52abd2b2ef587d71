"""A proxy's log line that says a session was pinned, read tolerantly (pure).

AWS writes these lines "for human consumption", and "the format and content of the logs
is subject to change": a line this parser does not understand is kept whole (`reason`
None), counted and shown, never dropped.

    2020-08-04T11:47:24.251Z [WARN] [proxyEndpoint=default] [clientConnection=3888679423]
    The client session was pinned to the database connection [dbConnection=529039385] for
    the remainder of the session. ... Reason: SQL changed session settings that the proxy
    doesn't track. ... Digest: "set search_path = $1; set names $2;".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

PINNED_PHRASE = "was pinned"
_PINNED = re.compile(
    r"was pinned to the database connection \[dbConnection=(\d+)\].*?Reason: (.*?)"
    r'(?: Digest: "(.*)")?\.?\s*$',
    re.DOTALL,
)
_CLIENT = re.compile(r"\[clientConnection=(\d+)\]")
_ENDPOINT = re.compile(r"\[proxyEndpoint=([^\]]*)\]")


@dataclass(frozen=True)
class PinLogLine:
    at: datetime  # when CloudWatch says the line was written
    message: str  # the whole line, as logged
    reason: str | None  # the proxy's reason; None when the line was not understood
    digest: str | None = None  # the statement, normalized with $n, when the line has one
    db_connection: str | None = None
    client_connection: str | None = None
    endpoint: str | None = None  # the proxy endpoint (newer lines)

    @property
    def understood(self) -> bool:
        return self.reason is not None


def parse_pin_line(at: datetime, message: str) -> PinLogLine:
    """MESSAGE read as a pinning line; one that does not fit is kept with reason None."""
    found = _PINNED.search(message)
    if found is None:
        return PinLogLine(at, message, None)
    client = _CLIENT.search(message)
    endpoint = _ENDPOINT.search(message)
    return PinLogLine(
        at,
        message,
        found.group(2).strip().rstrip(".") or "(no reason given)",
        found.group(3),
        found.group(1),
        client.group(1) if client else None,
        endpoint.group(1) if endpoint else None,
    )
