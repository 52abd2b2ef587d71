"""Failover drill: probes, triggers, timeline analysis (pure) and reports."""
