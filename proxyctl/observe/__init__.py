"""Watching a proxy at work: status and pinning."""
