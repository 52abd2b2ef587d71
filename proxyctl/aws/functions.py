"""Lambda functions that reach a database directly: in its VPC, naming its endpoints.

Only the names of the environment variables that hold an endpoint are kept: their
values (and every other variable, which may hold a password) never leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from proxyctl.aws.errors import aws_errors
from proxyctl.errors import ProxyctlError


@dataclass(frozen=True)
class Function:
    name: str
    variables: tuple[str, ...]  # the environment variables that name an endpoint
    reserved: int | None  # reserved concurrency; None: shares the account's


def _vpc_of(ec2: Any, config: dict[str, Any], known: dict[str, str]) -> str:
    """The function's VPC: AWS names it; some stand-ins give only the subnets."""
    if config.get("VpcId"):
        return str(config["VpcId"])
    subnets = [s for s in config.get("SubnetIds", []) if s not in known]
    if subnets:
        for subnet in ec2.describe_subnets(SubnetIds=subnets)["Subnets"]:
            known[subnet["SubnetId"]] = subnet["VpcId"]
    return next((known[s] for s in config.get("SubnetIds", []) if s in known), "")


def _naming(item: dict[str, Any], hosts: list[str]) -> tuple[str, ...]:
    variables = (item.get("Environment") or {}).get("Variables") or {}
    return tuple(sorted(k for k, v in variables.items() if any(h in str(v).lower() for h in hosts)))


def functions_reaching(
    functions: Any, ec2: Any, vpc_id: str, endpoints: tuple[str, ...]
) -> list[Function]:
    """The region's Lambda functions in VPC_ID whose environment names one of ENDPOINTS."""
    hosts = [h.lower() for h in endpoints]
    subnets: dict[str, str] = {}
    found = []
    with aws_errors("list the Lambda functions and their concurrency"):
        for page in functions.get_paginator("list_functions").paginate():
            for item in page.get("Functions", []):
                variables = _naming(item, hosts)
                config = item.get("VpcConfig") or {}
                if not variables or _vpc_of(ec2, config, subnets) != vpc_id:
                    continue
                answer = functions.get_function_concurrency(FunctionName=item["FunctionName"])
                reserved = answer.get("ReservedConcurrentExecutions")
                found.append(Function(item["FunctionName"], variables, reserved))
    return sorted(found, key=lambda f: f.name)


def account_concurrency(functions: Any) -> int | None:
    """The account's concurrent executions limit, or None when it cannot be read."""
    try:
        with aws_errors("read the Lambda account settings"):
            limit = functions.get_account_settings().get("AccountLimit", {})
    except ProxyctlError:  # optional (and missing from some stand-ins): "the account's limit"
        return None
    value = limit.get("ConcurrentExecutions")
    return int(value) if value is not None else None
