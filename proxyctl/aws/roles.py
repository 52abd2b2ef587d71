"""IAM role reads as model records: the role, then its policies when a feature needs them."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from proxyctl.aws.errors import aws_errors
from proxyctl.aws.shapes import document, tags_from_api
from proxyctl.errors import NotFoundError
from proxyctl.model.iam import Document, Role

if TYPE_CHECKING:  # only for annotations: clients imports session, which imports secrets
    from proxyctl.aws.clients import Clients


def read_role(c: Clients, name: str) -> Role | None:
    """The role NAME (without its path) and its trust policy, or None."""
    try:
        with aws_errors(f"read the IAM role {name}"):
            role = c.iam.get_role(RoleName=name)["Role"]
    except NotFoundError:
        return None
    return Role(
        name=role["RoleName"],
        arn=role["Arn"],
        trust_policy=document(role.get("AssumeRolePolicyDocument", {})),
        tags=tags_from_api(role.get("Tags")),
    )


def with_policies(c: Clients, role: Role, *, inline: bool = False, managed: bool = False) -> Role:
    """ROLE with the names of its inline and attached policies; with INLINE, the inline
    documents; with MANAGED, the default version of each attached policy."""
    name = role.name
    with aws_errors(f"read the policies of the IAM role {name}"):
        pages = c.iam.get_paginator("list_role_policies").paginate(RoleName=name)
        names = tuple(n for page in pages for n in page["PolicyNames"])
        documents = {
            n: document(c.iam.get_role_policy(RoleName=name, PolicyName=n)["PolicyDocument"])
            for n in (names if inline else ())
        }
        pages = c.iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
        attached = tuple(p["PolicyArn"] for page in pages for p in page["AttachedPolicies"])
        versions = {arn: _default_version(c, arn) for arn in (attached if managed else ())}
    return replace(role, inline_names=names, inline=documents, attached=attached, managed=versions)


def _default_version(c: Clients, arn: str) -> Document:
    version = c.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    found = c.iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    return document(found["Document"])
