"""botocore's exceptions turned into proxyctl errors that say what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore import exceptions as bx

from proxyctl.errors import (
    AwsRefusedError,
    ConnectionProblem,
    NotFoundError,
    ProxyctlError,
    UsageError,
)

_CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "InvalidAccessKeyId",
}
_EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_THROTTLE_CODES = {
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "SlowDown",
}
LOGIN_HINT = (
    "Set credentials with --profile or AWS_PROFILE (then `aws sso login` for SSO profiles), "
    "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)


def client_error(exc: bx.ClientError, action: str) -> ProxyctlError:
    err = exc.response.get("Error", {})
    code = str(err.get("Code", "Unknown"))
    detail = str(err.get("Message", "")).rstrip(".")
    said = f"AWS refused to {action}: {code}" + (f": {detail}." if detail else ".")
    if code in _CREDENTIAL_CODES:
        return AwsRefusedError(said, hint="The AWS credentials are not valid. " + LOGIN_HINT)
    if code in _EXPIRED_CODES:
        return AwsRefusedError(
            said,
            hint="The credentials have expired: refresh them (`aws sso login`, or new keys).",
        )
    if code in _DENIED_CODES:
        return AwsRefusedError(
            said,
            hint="The identity in use lacks that permission: add it to its IAM policy, "
            "or use another --profile.",
        )
    if code in _THROTTLE_CODES:
        return AwsRefusedError(
            f"AWS throttled the request to {action} after retries ({code}).",
            hint="Wait a minute and run it again; AWS_MAX_ATTEMPTS raises the retry count.",
        )
    if "QuotaExceeded" in code or "LimitExceeded" in code:
        return AwsRefusedError(said, hint="A service quota is reached: free some, or raise it.")
    if "NotFound" in code or code == "NoSuchEntity":
        return NotFoundError(said)
    return AwsRefusedError(said)


def _translate(exc: Exception, action: str) -> ProxyctlError | None:
    if isinstance(exc, bx.ClientError):
        return client_error(exc, action)
    if isinstance(exc, bx.PartialCredentialsError):
        return AwsRefusedError(f"The AWS credentials are incomplete: {exc}.", hint=LOGIN_HINT)
    if isinstance(exc, bx.NoCredentialsError):
        return AwsRefusedError(f"No AWS credentials were found to {action}.", hint=LOGIN_HINT)
    if isinstance(exc, bx.SSOTokenLoadError | bx.UnauthorizedSSOTokenError):
        return AwsRefusedError(
            f"The SSO session has expired, so proxyctl cannot {action}.",
            hint="Run `aws sso login` for the profile, then try again.",
        )
    if isinstance(exc, bx.ProfileNotFound):
        return UsageError(
            f"--profile: {exc}.",
            hint="List profiles with `aws configure list-profiles`, or unset AWS_PROFILE.",
            field="--profile",
        )
    if isinstance(exc, bx.NoRegionError):
        return UsageError(
            f"--region: no AWS region is set, so proxyctl cannot {action}.",
            hint="Pass --region, set AWS_REGION, or put region in the config file.",
            field="--region",
        )
    if isinstance(exc, bx.InvalidRegionError):
        return UsageError(f"--region: {exc}.", field="--region")
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ReadTimeoutError):
        return ConnectionProblem(
            f"Could not reach the AWS API to {action}: {exc}.",
            hint="Check the network, the --region, and --endpoint-url if one is set.",
        )
    if isinstance(exc, bx.ParamValidationError):
        return UsageError(f"AWS would not accept the request to {action}: {exc}")
    return None


def aws_code(exc: BaseException) -> str:
    """The AWS error code (InvalidDBClusterStateFault...) behind an error that aws_errors
    raised, for callers that retry on some codes; "" when there is none."""
    cause = exc.__cause__
    return str(getattr(cause, "response", {}).get("Error", {}).get("Code", ""))


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn botocore failures inside the block into ProxyctlErrors.

    `action` completes "AWS refused to ...", e.g. "describe RDS proxies".
    """
    try:
        yield
    except bx.BotoCoreError as exc:
        mapped = _translate(exc, action)
        if mapped is None:
            raise
        raise mapped from exc
    except bx.ClientError as exc:
        raise client_error(exc, action) from exc
    except Exception as exc:
        # botocore.parsers is loaded by then (it parsed the answer); importing it at the top
        # would add it to every start, `token --host` included.
        from botocore.parsers import ResponseParserError

        if isinstance(exc, ResponseParserError):  # an HTTP 5xx page, not an AWS answer
            raise unreadable(exc, action) from exc
        raise


def unreadable(exc: Exception, action: str) -> ProxyctlError:
    first = (str(exc).splitlines() or [""])[0].rstrip(":")
    return ConnectionProblem(
        f"The AWS API's answer to the request to {action} could not be read ({first}); "
        "it may or may not have been carried out.",
        hint="The endpoint answered with an error page (AWS trouble, or a local stand-in "
        "that lacks this call): check --endpoint-url and the AWS status, then look before "
        "running it again.",
    )
