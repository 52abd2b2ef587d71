"""The AWS clients one command needs, made on first use from the settings."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from proxyctl.aws import session
from proxyctl.aws.errors import aws_errors
from proxyctl.config import Settings


class Clients:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def rds(self) -> Any:
        return session.client(self.settings, "rds")

    @cached_property
    def rds_once(self) -> Any:
        """RDS with a single attempt per call (see session.client)."""
        return session.client(self.settings, "rds", once=True)

    @cached_property
    def cloudwatch(self) -> Any:
        return session.client(self.settings, "cloudwatch")

    @cached_property
    def ec2(self) -> Any:
        return session.client(self.settings, "ec2")

    @cached_property
    def iam(self) -> Any:
        return session.client(self.settings, "iam")

    @cached_property
    def secrets(self) -> Any:
        return session.client(self.settings, "secretsmanager")

    @cached_property
    def kms(self) -> Any:
        return session.client(self.settings, "kms")

    @cached_property
    def functions(self) -> Any:
        """Lambda (a Python keyword, hence the name)."""
        return session.client(self.settings, "lambda")

    @cached_property
    def sts(self) -> Any:
        return session.client(self.settings, "sts")

    @property
    def region(self) -> str:
        return str(self.rds.meta.region_name)

    @cached_property
    def identity(self) -> tuple[str, str]:
        """(partition, account) of the caller."""
        with aws_errors("identify the AWS account (sts:GetCallerIdentity)"):
            arn = self.sts.get_caller_identity()["Arn"]
        parts = arn.split(":")
        return parts[1], parts[4]


def endpoint_client(
    service: str, endpoint_url: str, region: str, credentials: tuple[str, str] | None = None
) -> Any:
    """A plain client for SERVICE at ENDPOINT_URL (a local AWS stand-in), outside any
    settings or profile; CREDENTIALS (key id, secret) or else boto3's usual chain."""
    import boto3

    names = ("aws_access_key_id", "aws_secret_access_key")
    keys = dict(zip(names, credentials or (), strict=False))
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url, **keys)
