"""What an RDS Proxy costs: prices, minimums and vCPUs per instance class, as data.

RDS Proxy is billed per vCPU-hour of the provisioned instances behind it (with a
minimum number of vCPUs), or per ACU-hour of Aurora Serverless v2 capacity (with
a minimum number of ACUs). Prices change and differ by region: each figure here
carries the date it was checked and its source, and `--price-per-vcpu-hour`
overrides the price. Every estimate shows its arithmetic and says "estimate".
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_MONTH = 730  # AWS's own convention for monthly figures (8,760 h / 12)
PRICING_PAGE = "https://aws.amazon.com/rds/proxy/pricing/"


@dataclass(frozen=True)
class Price:
    per_hour: float  # USD per vCPU-hour or ACU-hour
    unit: str  # "vCPU" | "ACU"
    minimum: float  # units billed at least, whatever is behind the proxy
    region: str
    checked: str  # the date the figure was last compared with its source
    source: str
    confirmed: bool  # False: the figure is remembered, not seen on the source that day


# us-east-1 on-demand, checked 2026-11-29. AWS's pricing page and price list are not
# reachable from here, so neither figure is marked confirmed: the vCPU rate and its
# minimum were compared with a public document that quotes both (the price list entry
# USE1-RDS:ProxyUsage, "$0.015 per hour per vCPU of the RDS PostgreSQL instances associated
# with an RDS Proxy", and the page's "Minimum Charge: 2 vCPUs", retrieved 2026-08-17); the
# 8-ACU minimum (usage type RDS:Proxy-ASv2-Usage) is stated by two public documents; no
# source seen gives the us-east-1 ACU rate, so $0.015 is the long-published figure.
VCPU_PRICE = Price(
    0.015,
    "vCPU",
    2,
    "us-east-1",
    "2026-11-29",
    f"{PRICING_PAGE} (not confirmed there: price list USE1-RDS:ProxyUsage and the 2-vCPU "
    "minimum as quoted elsewhere on 2026-08-17)",
    False,
)
ACU_PRICE = Price(
    0.015,
    "ACU",
    8,
    "us-east-1",
    "2026-11-29",
    f"{PRICING_PAGE} (not confirmed: the 8-ACU minimum as published elsewhere; the rate unchecked)",
    False,
)

# vCPUs and nominal memory (GiB) per size, the same in each family below except x2g's memory.
_SIZES = {
    "large": (2, 8),
    "xlarge": (4, 16),
    "2xlarge": (8, 32),
    "4xlarge": (16, 64),
    "8xlarge": (32, 128),
    "12xlarge": (48, 192),
    "16xlarge": (64, 256),
    "24xlarge": (96, 384),
}
# Memory per vCPU (GiB) of each family: m 4, r 8, x2g 16.
_FAMILIES = {"m5": 4, "m6g": 4, "m6i": 4, "r5": 8, "r6g": 8, "r6i": 8, "r7g": 8, "x2g": 16}
_BURSTABLE = {"micro": (2, 1), "small": (2, 2), "medium": (2, 4), "large": (2, 8)}
_BURSTABLE |= {"xlarge": (4, 16), "2xlarge": (8, 32)}


def _classes() -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for family in ("t3", "t4g"):
        found |= {f"db.{family}.{size}": shape for size, shape in _BURSTABLE.items()}
    for family, per_vcpu in _FAMILIES.items():
        found |= {f"db.{family}.{s}": (v, v * per_vcpu) for s, (v, _) in _SIZES.items()}
    return found


# Class -> (vCPUs, memory GiB), from AWS's DB instance class tables (checked 2026-11-29).
INSTANCE_CLASSES: dict[str, tuple[int, int]] = _classes()
SERVERLESS = "db.serverless"


def vcpus(instance_class: str) -> int | None:
    """The vCPUs of INSTANCE_CLASS, or None for a class not in the table."""
    shape = INSTANCE_CLASSES.get(instance_class)
    return shape[0] if shape else None


def memory_gib(instance_class: str) -> int | None:
    shape = INSTANCE_CLASSES.get(instance_class)
    return shape[1] if shape else None


@dataclass(frozen=True)
class Estimate:
    monthly: float | None  # None: no figure (an unknown class)
    arithmetic: str  # the sum as a user can redo it, or why there is no figure
    price: Price

    @property
    def text(self) -> str:
        return f"estimate: {self.arithmetic}"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _rate(value: float) -> str:
    return f"${value:g}/h"


def estimate(classes: list[str], price_per_vcpu_hour: float | None = None) -> Estimate:
    """The monthly cost of a proxy in front of instances of CLASSES (one entry each).

    "2 x db.r6g.large (2 vCPU each) = 4 vCPU x $0.015/h x 730 h = $43.80/month".
    An unknown class gives no number: a wrong figure is worse than none.
    """
    price = VCPU_PRICE
    if price_per_vcpu_hour is not None:
        price = Price(price_per_vcpu_hour, "vCPU", VCPU_PRICE.minimum, "given", "", "given", True)
    unknown = sorted({c for c in classes if vcpus(c) is None})
    if not classes:
        return Estimate(None, "no instances behind the proxy, so no figure", price)
    if unknown:
        names = ", ".join(unknown)
        return Estimate(None, f"no figure: vCPU count of {names} not known to proxyctl", price)
    parts = [f"{classes.count(c)} x {c} ({vcpus(c)} vCPU each)" for c in dict.fromkeys(classes)]
    total = sum(vcpus(c) or 0 for c in classes)
    billed = max(total, price.minimum)
    floor = f" (minimum {price.minimum:g} billed)" if billed > total else ""
    monthly = billed * price.per_hour * HOURS_PER_MONTH
    sum_text = (
        f"{' + '.join(parts)} = {total} vCPU{floor} x {_rate(price.per_hour)} x "
        f"{HOURS_PER_MONTH} h = {_money(monthly)}/month"
    )
    return Estimate(round(monthly, 2), sum_text, price)


def serverless_estimate(min_acu: float, max_acu: float) -> Estimate:
    """The monthly range for Aurora Serverless v2 between its minimum and maximum ACUs."""
    price = ACU_PRICE
    low, high = (max(a, price.minimum) for a in (min_acu, max_acu))
    per = price.per_hour * HOURS_PER_MONTH
    sum_text = (
        f"Aurora Serverless v2 {min_acu:g}-{max_acu:g} ACU (minimum {price.minimum:g} billed) "
        f"= {low:g}-{high:g} ACU x {_rate(price.per_hour)} x {HOURS_PER_MONTH} h = "
        f"{_money(low * per)}-{_money(high * per)}/month"
    )
    return Estimate(round(low * per, 2), sum_text, price)
