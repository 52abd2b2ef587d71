"""CloudWatch Logs reads: the lines a proxy wrote about pinned sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError
from proxyctl.model.pinlog import PINNED_PHRASE, PinLogLine, parse_pin_line

if TYPE_CHECKING:
    from proxyctl.aws.clients import Clients


def log_group(proxy: str) -> str:
    """Where RDS Proxy writes its log (for every engine)."""
    return f"/aws/rds/proxy/{proxy}"


def logs_client(clients: Clients) -> Any:
    from proxyctl.aws import session

    return session.client(clients.settings, "logs")


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def pinned_lines(
    logs: Any, proxy: str, start: datetime, end: datetime, page_size: int | None = None
) -> list[PinLogLine]:
    """Every line of PROXY's log between START and END that says a session was pinned,
    in time order (all pages); lines of another shape with the phrase are kept unparsed."""
    group = log_group(proxy)
    paging = {} if page_size is None else {"PaginationConfig": {"PageSize": page_size}}
    try:
        with aws_errors(f"read the log group {group}"):
            pages = logs.get_paginator("filter_log_events").paginate(
                logGroupName=group,
                startTime=_millis(start),
                endTime=_millis(end),
                filterPattern=f'"{PINNED_PHRASE}"',
                **paging,
            )
            events = [event for page in pages for event in page.get("events", [])]
    except NotFoundError as exc:
        raise NotFoundError(
            f"no log group {group}: no proxy called {proxy} has written a log in this region.",
            hint="Check the proxy's name and --region (`proxyctl status` lists the proxies); "
            "a proxy writes its log group once it has served connections.",
            field="--from-logs",
        ) from exc
    lines = [
        parse_pin_line(datetime.fromtimestamp(e.get("timestamp", 0) / 1000, UTC), e["message"])
        for e in events
        if isinstance(e.get("message"), str)
    ]
    return sorted(lines, key=lambda line: line.at)
