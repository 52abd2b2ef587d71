"""The lab proxy's check of an IAM auth token, as RDS Proxy checks one.

A token is a SigV4-presigned `connect` GET of `HOST:PORT/` (FACTS: "IAM auth token").
The check rebuilds its canonical request from the token's own query (all but
X-Amz-Signature), signs it with the lab's secret key, and compares; then the host and
port it was signed for, the region, the key id, the user, and the time it is valid.
`token_problem` says what is wrong in words for the lab's log; the client only ever
hears RDS Proxy's one sentence, which gives nothing away.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from proxyctl.aws.sigv4 import ALGORITHM, connect_signature
from proxyctl.errors import UsageError
from proxyctl.tokens import SIGNING_SERVICE, TOKEN_LIFETIME_SECONDS, inspect_token

# RDS honours a token for 15 minutes, whatever longer X-Amz-Expires it carries.
MAX_LIFETIME = timedelta(seconds=TOKEN_LIFETIME_SECONDS)
# A token signed a little ahead of this clock is fine (SigV4 allows 5 minutes of skew).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenRules:
    """What a token must have been signed for: the proxy's endpoint and the lab's keys."""

    host: str
    port: int
    region: str
    access_key: str
    secret_key: str = field(repr=False)


def token_problem(token: str, user: str, rules: TokenRules, now: datetime) -> str | None:
    """Why TOKEN does not sign USER in at RULES' endpoint at NOW; None when it does."""
    host_port, mark, query = token.partition("/?")
    host, _, port_text = host_port.rpartition(":")
    if not mark or not port_text.isdigit():
        return "it is not HOST:PORT/?QUERY"
    try:
        params = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return "its query is not key=value pairs"
    given = dict(params)
    if len(given) != len(params):
        return "a parameter appears twice"
    signature = given.pop("X-Amz-Signature", "")
    try:
        info = inspect_token(token, now)
    except UsageError as exc:
        return exc.message
    if given["X-Amz-Algorithm"] != ALGORITHM or given["X-Amz-SignedHeaders"] != "host":
        return "it is not signed with AWS4-HMAC-SHA256 over the host header alone"
    key_id = given["X-Amz-Credential"].split("/")[0]
    expected = connect_signature(
        rules.secret_key, host, int(port_text), info.region, SIGNING_SERVICE, list(given.items())
    )
    return _first_problem(
        [
            (not hmac.compare_digest(signature, expected), "the signature does not match"),
            (key_id != rules.access_key, "it is signed with another access key"),
            (
                (host.lower(), int(port_text)) != (rules.host.lower(), rules.port),
                f"it is signed for {host}:{port_text}, not {rules.host}:{rules.port}",
            ),
            (info.region != rules.region, f"it is signed for region {info.region}"),
            (info.user != user, f"it is for user {info.user}, not {user}"),
            (info.signed_at - now > CLOCK_SKEW, "it is signed in the future"),
            (
                now >= min(info.expires_at, info.signed_at + MAX_LIFETIME),
                "it has expired",
            ),
        ]
    )


def _first_problem(checks: list[tuple[bool, str]]) -> str | None:
    return next((problem for failed, problem in checks if failed), None)
