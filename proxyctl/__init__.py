"""proxyctl: set up, check and drill AWS RDS Proxy in front of PostgreSQL."""

__version__ = "0.1.0"
