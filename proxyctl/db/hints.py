"""What a PostgreSQL client sees from a proxy or a server, turned into what to do (pure).

The proxy's messages are listed in FACTS.md; PostgreSQL's own are matched too, so
that a direct connection (or a local test server) gets the same help.
"""

from __future__ import annotations

import re

# (pattern, finding code, hint); the first match wins.
_RULES: list[tuple[str, str, str]] = [
    (
        r"requires TLS connections|no pg_hba\.conf entry .* no encryption",
        "auth.tls_required",
        "The server requires TLS: connect with sslmode=verify-full (proxyctl always does; "
        "check your application's connection string).",
    ),
    (
        r"IAM authentication is allowed only with SSL",
        "auth.iam_needs_tls",
        "IAM tokens are accepted over TLS only: use sslmode=verify-full.",
    ),
    (
        r"too many competing requests",
        "auth.iam_throttled",
        "Too many IAM sign-ins at once: spread out new connections, or reuse them.",
    ),
    (
        r"IAM authentication failed",
        "auth.iam_failed",
        "Check the token: signed for this host name and port 5432 (not a tunnel's), in the "
        "proxy's region, less than 15 minutes old, and the caller's IAM policy allows "
        "rds-db:connect on the proxy's prx- resource for this user (proxyctl grant).",
    ),
    (
        r"has no credentials for the role|no credentials for the role",
        "auth.no_credentials",
        "The proxy has no secret for this database user: add a secret with this username "
        "to the proxy's auth settings, or connect as a user it has.",
    ),
    (
        r"password that was provided for the role .* is wrong|password authentication failed",
        "auth.wrong_password",
        "The password is wrong for this user: check the secret or PGPASSWORD, and that the "
        "secret's password matches the database.",
    ),
    (
        r"RDS supports only IAM, MD5, or SCRAM",
        "auth.method",
        "Use SCRAM or MD5 password authentication, or an IAM token.",
    ),
    (
        r'database "[^"]*" does not exist',
        "auth.unknown_database",
        "That database does not exist: pass --database with one that does (postgres is "
        "always there).",
    ),
    (
        r"maximum number of client connections|too many clients|"
        r"remaining connection slots are reserved|Rate of connection to proxy exceeded",
        "auth.too_many_connections",
        "Connection limit reached: close idle clients, pool connections in the application, "
        "or raise the limit (the proxy's MaxConnectionsPercent, the database's max_connections).",
    ),
    (
        r"Timed-out waiting to acquire database connection",
        "auth.borrow_timeout",
        "The proxy's pool is exhausted or its connections are pinned: look at "
        "DatabaseConnectionsCurrentlySessionPinned, fix pinning statements (proxyctl pinning), "
        "or raise ConnectionBorrowTimeout or MaxConnectionsPercent.",
    ),
    (
        r"role \"[^\"]*\" does not exist|user name is missing",
        "auth.unknown_user",
        "That user does not exist on the database: pass --user with a user that does.",
    ),
    (
        r"no pg_hba\.conf entry",
        "auth.hba",
        "The server refuses this client, user or database in pg_hba.conf.",
    ),
    (
        r"timeout expired|timed out",
        "auth.timeout",
        "The server did not answer in time: check security groups and routing, or raise "
        "--connect-timeout.",
    ),
]


def explain(message: str) -> tuple[str, str]:
    """The finding code and hint for a server or libpq error message."""
    for pattern, code, hint in _RULES:
        if re.search(pattern, message, re.IGNORECASE):
            return code, hint
    return "auth.failed", "See the server's message above; run again with --debug for more."
