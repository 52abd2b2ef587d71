"""What check and failover-test share about reaching a database: the target flags and
where the password comes from (an IAM token, the proxy's secret, or PGPASSWORD)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from proxyctl import validate
from proxyctl.config import Settings
from proxyctl.errors import UsageError
from proxyctl.logs import remember_secret


def check_target(
    proxy: str | None, host: str | None, auth: str | None, ca_bundle: str | None
) -> None:
    """--proxy or --host (one), --auth, --ca-bundle: refused with the flag named, early."""
    if (proxy is None) == (host is None):
        raise UsageError("give --proxy NAME or --host HOST (one of them).", field="--proxy")
    if proxy is not None:
        validate.proxy_name(proxy)
    if host is not None:
        validate.host(host)
    if auth is not None:
        validate.auth_mode(auth)
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        raise UsageError(f"--ca-bundle: no file at {ca_bundle}.", field="--ca-bundle")


def secret_password(clients: Any, proxy: Any, user: str) -> str:
    """USER's password from the proxy's secrets (`proxy` is a model.proxy.Proxy)."""
    if proxy is None:
        raise UsageError("--auth secret reads the proxy's secret: give --proxy.", field="--auth")
    from proxyctl.aws.secrets import password_for

    return password_for(clients, proxy.secret_arns, user)


def env_password(settings: Settings, user: str) -> str:
    """PGPASSWORD, or a hidden prompt when prompting is on."""
    if os.environ.get("PGPASSWORD"):
        return remember_secret(os.environ["PGPASSWORD"])
    if settings.no_input:
        raise UsageError("--auth password: set PGPASSWORD (prompts are off).", field="PGPASSWORD")
    import questionary

    return remember_secret(str(questionary.password(f"Password of {user}:").unsafe_ask()))


def iam_token(
    settings: Settings, host: str, port: int, user: str, database: str, region: str | None
) -> str:
    """A token signed for HOST:PORT, the real endpoint (never a tunnel's address)."""
    from proxyctl.aws.signing import issue_token

    made, _ = issue_token(
        settings.named_profile, settings.region, host, port, user, database, region
    )
    return made.token
