"""Connectivity and TLS diagnosis: findings, phases, control-plane checks."""
