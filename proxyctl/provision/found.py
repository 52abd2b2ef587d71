"""What `destroy` finds of a stack: its proxy, and the groups, rules, roles and secrets
that may be its own, read once as model records (planning decides what is whose)."""

from __future__ import annotations

from dataclasses import dataclass, field

from proxyctl.aws import groups, proxies, roles, secrets
from proxyctl.aws.clients import Clients
from proxyctl.model.iam import Role, Secret
from proxyctl.model.network import GroupRules, Rule
from proxyctl.model.proxy import Proxy, TargetHealth, registered_databases
from proxyctl.provision import policies
from proxyctl.provision.spec import Spec


@dataclass(frozen=True)
class StackFound:
    """Everything that may belong to the stack NAME, read once, tagged or not."""

    name: str
    region: str
    proxy: Proxy | None
    targets: list[TargetHealth] = field(default_factory=list)  # the proxy's, tracked included
    groups: list[GroupRules] = field(default_factory=list)
    # Groups, any of them, with a rule that lets one of `groups` in.
    letting_in: list[GroupRules] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)

    @property
    def rules(self) -> list[Rule]:
        """The rules, on any group, whose source is one of the stack's groups."""
        ours = {g.id for g in self.groups}
        return [r for g in self.letting_in for r in g.rules if r.source_group in ours]

    def databases(self, kind: str) -> list[str]:
        """The registered databases of KIND ("cluster" | "instance"), sorted."""
        return sorted(i for i, k in registered_databases(self.targets) if k == kind)


def conventional_role_name(name: str) -> str:
    """The role name init gives the stack NAME (unless --role-arn names another)."""
    return policies.role_name(Spec(name=name, database=""))


def _secrets(c: Clients, name: str, proxy: Proxy | None) -> list[Secret]:
    found = secrets.stack_secrets(c, name)
    known = {s.arn for s in found}
    for arn in proxy.secret_arns if proxy else []:
        secret = None if arn in known else secrets.read_secret(c, arn)
        if secret is not None:
            found.append(secret)
    return found


def _roles(c: Clients, name: str, proxy: Proxy | None) -> list[Role]:
    names = [conventional_role_name(name)]
    if proxy is not None and proxy.role_arn:
        names.append(proxy.role_arn.rsplit("/", 1)[-1])
    found = [roles.read_role(c, n) for n in dict.fromkeys(names)]
    return [roles.with_policies(c, r) for r in found if r is not None]


def find_stack(c: Clients, name: str) -> StackFound:
    """The proxy NAME, and the groups, rules, roles and secrets that may be its stack's."""
    proxy = proxies.read_proxy(c.rds, name, tags=True)
    # A proxy being deleted has deregistered its targets already.
    live = proxy is not None and proxy.status != "deleting"
    found_groups = groups.stack_groups(c, name, list(proxy.security_groups) if proxy else [])
    return StackFound(
        name=name,
        region=c.region,
        proxy=proxy,
        targets=proxies.read_targets(c.rds, name) if live else [],
        groups=found_groups,
        letting_in=groups.groups_letting_in(c, [g.id for g in found_groups]),
        roles=_roles(c, name, proxy),
        secrets=_secrets(c, name, proxy),
    )
