"""Sessions and clients built from the settings: profile, region, endpoint, retries."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from proxyctl import __version__
from proxyctl.aws.errors import aws_errors
from proxyctl.config import Settings

if TYPE_CHECKING:
    import boto3

# Standard mode: exponential backoff with jitter, throttling retried. The attempt
# count stays botocore's (AWS_MAX_ATTEMPTS or the profile's max_attempts).
RETRIES = {"mode": "standard"}
# Commands are interactive: an endpoint that does not connect or answer within
# seconds is reported (botocore's 60 s read timeout, times 3 attempts, was minutes).
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 5


def session(settings: Settings) -> boto3.Session:
    import boto3

    with aws_errors("load the AWS profile"):
        made = boto3.Session(profile_name=settings.named_profile, region_name=settings.region)
    # The service models (large JSON files) are read once per process, not once per
    # client: a command makes several clients, and a test process runs many commands.
    made._session.register_component("data_loader", _models())
    return made


@functools.cache
def _models() -> Any:
    from botocore.loaders import create_loader

    return create_loader(os.environ.get("AWS_DATA_PATH"))


def client(settings: Settings, service: str, *, once: bool = False) -> Any:
    """A client for SERVICE. `once`: a single attempt, for a call that must never be
    repeated (FailoverDBCluster) or must not hold up a schedule (a drill's writer poll)."""
    from botocore.config import Config

    config = Config(
        retries={**RETRIES, "total_max_attempts": 1} if once else RETRIES,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        user_agent_extra=f"proxyctl/{__version__}",
    )
    from proxyctl.aws.secrets import remember_what_passes

    with aws_errors(f"create a {service} client"):
        boto = session(settings)
        made = boto.client(service, endpoint_url=settings.endpoint_url, config=config)
        remember_what_passes(made, boto.get_credentials())
    return made
