"""`proxyctl grant NAME --role ROLE --db-user USER`: rds-db:connect for an application."""

# No `from __future__ import annotations` in command modules: Typer would have to
# evaluate every annotation string at start-up, which slows `proxyctl --help`.
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from proxyctl.aws.clients import Clients
    from proxyctl.config import Settings
    from proxyctl.provision.grant import Grant, ProxyArn


def grant(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The proxy's name, or its ARN (no look-up).")
    ],
    role: Annotated[
        str | None,
        typer.Option(metavar="ROLE_NAME", help="The application's IAM role (name or ARN)."),
    ] = None,
    db_user: Annotated[
        str | None, typer.Option(metavar="USER", help="The database user to connect as.")
    ] = None,
    print_policy: Annotated[
        bool,
        typer.Option("--print", help="Print the policy JSON instead of changing the role."),
    ] = False,
) -> None:
    """Let an application's IAM role connect through the proxy with IAM auth.

    Puts an inline policy, proxyctl-connect-NAME-USER, on the role: rds-db:connect
    on arn:aws:rds-db:REGION:ACCOUNT:dbuser:prx-ID/USER, where prx-ID is the
    proxy's resource id (the end of its ARN; not the cluster's id, not the proxy's
    name). Running it again changes nothing. --print shows the policy and changes
    nothing (with an ARN as NAME it needs no AWS call): feed it to Terraform or
    `aws iam put-role-policy`.

    \b
    Examples:
      proxyctl grant orders --role orders-api --db-user app
      proxyctl grant orders --db-user app --print > connect-policy.json
      proxyctl grant arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0a1b2c3d4e5f \\
        --db-user app --print
    """
    from proxyctl import validate
    from proxyctl.aws.clients import Clients
    from proxyctl.output import emit
    from proxyctl.provision.grant import ProxyArn, build_grant, is_arn, role_name

    settings: Settings = ctx.obj.settings
    if db_user is None:
        db_user = ctx.obj.ask.text("--db-user", "Database user:", "", validate.iam_db_user)
    validate.iam_db_user(db_user, field="--db-user")
    if role is None and not print_policy:
        role = ctx.obj.ask.text("--role", "IAM role of the application:", "", role_name)
    role_arn = role if role is not None and is_arn(role) else None
    role = role_name(role) if role is not None else None
    c = Clients(settings)
    if is_arn(name):
        arn = ProxyArn.parse(name)
        label = arn.resource_id
    else:
        label, arn = validate.proxy_name(name, field="NAME"), _proxy_arn(c, name)
    made = build_grant(label, arn, db_user, role)
    if not print_policy and role is not None:
        made.change = _put(c, role, made, role_arn)
    emit(made, settings.json)


def _proxy_arn(c: "Clients", name: str) -> "ProxyArn":
    from proxyctl.aws import proxies
    from proxyctl.provision.grant import ProxyArn

    try:
        found = proxies.describe_proxy(c.rds, name, c.region)
    except NotFoundError:
        listed = ", ".join(sorted(p.name for p in proxies.list_proxies(c.rds))) or "none"
        raise NotFoundError(
            f"NAME: no RDS proxy named {name!r} in {c.region}.",
            hint=f"Proxies in {c.region}: {listed}. Check --region and --profile.",
            field="NAME",
        ) from None
    return ProxyArn.parse(found.arn)


def _put(c: "Clients", role: str, made: "Grant", role_arn: str | None) -> str:
    """Put the policy on ROLE, unless it has exactly that already; say which.

    A role given by ARN must be the role found: IAM looks roles up by name in the
    caller's account, and another account's or path's role of that name is another role.
    """
    from proxyctl.aws import actions, discovery

    found = discovery.role_info(c, role)
    if found is None:
        raise NotFoundError(
            f"--role: no IAM role {role!r} in this account.",
            hint="Give the name of the role your application runs as "
            "(`aws iam list-roles` lists them).",
            field="--role",
        )
    if role_arn is not None and role_arn != found.arn:
        raise UsageError(
            f"--role: {role_arn} is not the role IAM finds by that name: the role {role} of "
            f"this account is {found.arn}.",
            hint="Run grant with credentials of the role's own account, or give this "
            "account's role (its name or exact ARN).",
            field="--role",
        )
    before = found.policies.get(made.policy_name)
    if before == made.policy:
        return "unchanged"
    params = {"RoleName": role, "PolicyName": made.policy_name, "PolicyDocument": made.policy}
    actions.put_role_policy(c, params, actions.RunContext())
    return "added" if before is None else "updated"
