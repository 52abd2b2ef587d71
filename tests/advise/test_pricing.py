"""The cost estimate: its arithmetic, minimums, unknown classes and the override."""

from proxyctl import pricing


def test_the_arithmetic_is_shown_and_right() -> None:
    found = pricing.estimate(["db.r6g.large", "db.r6g.large"])
    assert found.text == (
        "estimate: 2 x db.r6g.large (2 vCPU each) = 4 vCPU x $0.015/h x 730 h = $43.80/month"
    )
    assert found.monthly == 43.80


def test_mixed_classes_add_up() -> None:
    found = pricing.estimate(["db.r6g.xlarge", "db.r6g.large"])
    assert found.arithmetic == (
        "1 x db.r6g.xlarge (4 vCPU each) + 1 x db.r6g.large (2 vCPU each) = "
        "6 vCPU x $0.015/h x 730 h = $65.70/month"
    )


def test_the_minimum_is_billed_for_a_small_instance() -> None:
    found = pricing.estimate(["db.t3.micro"])
    assert found.monthly == 21.90
    assert "= 2 vCPU x" in found.arithmetic  # 2 vCPU: the minimum is not reached
    small = pricing.estimate(["db.t3.micro"], price_per_vcpu_hour=0.02)
    assert small.arithmetic.endswith("x $0.02/h x 730 h = $29.20/month")


def test_an_unknown_class_gives_no_number() -> None:
    found = pricing.estimate(["db.r6g.large", "db.z9.huge"])
    assert found.monthly is None
    assert found.text == "estimate: no figure: vCPU count of db.z9.huge not known to proxyctl"


def test_the_override_replaces_the_price() -> None:
    found = pricing.estimate(["db.r5.2xlarge"], price_per_vcpu_hour=0.018)
    assert found.arithmetic == (
        "1 x db.r5.2xlarge (8 vCPU each) = 8 vCPU x $0.018/h x 730 h = $105.12/month"
    )
    assert found.price.source == "given"


def test_serverless_bills_at_least_the_minimum_acus() -> None:
    found = pricing.serverless_estimate(0.5, 16)
    assert found.arithmetic == (
        "Aurora Serverless v2 0.5-16 ACU (minimum 8 billed) = 8-16 ACU x $0.015/h x 730 h = "
        "$87.60-$175.20/month"
    )


def test_prices_carry_their_date_and_source() -> None:
    for price in (pricing.VCPU_PRICE, pricing.ACU_PRICE):
        assert price.checked == "2026-11-29"
        assert price.source.startswith("https://aws.amazon.com/rds/proxy/pricing/")
        assert "not confirmed" in price.source and not price.confirmed


def test_the_class_table_knows_the_common_families() -> None:
    assert pricing.vcpus("db.t4g.medium") == 2
    assert pricing.vcpus("db.r7g.16xlarge") == 64
    assert pricing.memory_gib("db.x2g.large") == 32
    assert pricing.memory_gib("db.m6i.xlarge") == 16
    assert pricing.vcpus("db.serverless") is None
