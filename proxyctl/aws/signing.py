"""IAM auth tokens signed locally (SigV4, aws/sigv4.py), with botocore's credential chain.

No boto3 client is built: the credential chain and the signer are all a token
needs, and skipping the client keeps `proxyctl token --host` quick. The result
is the same string as botocore's `generate_db_auth_token`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any, NamedTuple

from proxyctl.aws.errors import LOGIN_HINT, aws_errors
from proxyctl.errors import AwsRefusedError
from proxyctl.logs import remember_secret
from proxyctl.tokens import (
    SIGNING_SERVICE,
    TOKEN_LIFETIME_SECONDS,
    AuthToken,
    choose_region,
    inspect_token,
)


def botocore_session(profile: str | None) -> Any:
    import botocore.session

    return botocore.session.Session(profile=profile)


def profile_region(profile: str | None) -> str | None:
    """The region the AWS profile names, if any."""
    with aws_errors("read the AWS profile"):
        region = botocore_session(profile).get_config_variable("region")
    return str(region) if region else None


class EnvironmentCredentials(NamedTuple):
    access_key: str
    secret_key: str
    token: str | None


def environment_credentials() -> EnvironmentCredentials | None:
    """The keys botocore's EnvProvider would take, in the plain case; else None.

    With no profile named, botocore's chain asks the environment first. Reading
    the same variables here, in the same order, spares importing the chain and
    building a session (~30 ms of `proxyctl token`). Anything less plain (keys
    missing or partial, an expiry to track) goes to the chain itself.
    """
    env = os.environ
    key, secret = env.get("AWS_ACCESS_KEY_ID", ""), env.get("AWS_SECRET_ACCESS_KEY", "")
    if not key or not secret or env.get("AWS_CREDENTIAL_EXPIRATION"):
        return None
    token = env.get("AWS_SECURITY_TOKEN") or env.get("AWS_SESSION_TOKEN") or None
    return EnvironmentCredentials(key, secret, token)


def frozen_credentials(profile: str | None) -> Any:
    """Credentials from botocore's chain, for the named profile or the default one."""
    if profile is None:
        from_env = environment_credentials()
        if from_env is not None:
            return from_env
    with aws_errors("sign an IAM auth token"):
        credentials = botocore_session(profile).get_credentials()
        if credentials is None:
            raise AwsRefusedError(
                "No AWS credentials were found to sign an IAM auth token.", hint=LOGIN_HINT
            )
        return credentials.get_frozen_credentials()


def sign_token(credentials: Any, host: str, port: int, user: str, region: str) -> str:
    """A presigned `connect` request for HOST:PORT, as RDS Proxy expects it."""
    remember_secret(credentials.secret_key)
    remember_secret(credentials.token)
    from proxyctl.aws.sigv4 import presign_connect

    return presign_connect(
        credentials, host, port, user, region, SIGNING_SERVICE, TOKEN_LIFETIME_SECONDS
    )


def issue_token(
    profile: str | None,
    configured_region: str | None,
    host: str,
    port: int,
    user: str,
    database: str,
    region: str | None = None,
) -> tuple[AuthToken, str | None]:
    """Sign a token for HOST:PORT and USER; return it with a region warning, if any."""
    warning = None
    if region is None:
        region, warning = choose_region(configured_region, host, lambda: profile_region(profile))
    token = sign_token(frozen_credentials(profile), host, port, user, region)
    signed = inspect_token(token, datetime.now(UTC))
    made = AuthToken(
        token=token,
        host=host,
        port=port,
        user=user,
        region=region,
        database=database,
        issued_at=signed.signed_at,
        expires_at=signed.expires_at,
    )
    return made, warning
