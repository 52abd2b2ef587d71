"""Local stand-ins for what proxyctl talks to, started on loopback without AWS.

- `postgres`: PostgreSQL servers with TLS from the lab CA, SCRAM logins, restart.
- `cluster`: a primary, its streaming standby, PgBouncer in front, and the promotion.
- `pgbouncer`: the pooler that holds clients across a failover.
- `faults`: a port that never answers, a frozen postmaster.
- `certs`: the lab CA and the certificates it signs (trustme).
- `moto`: the AWS stand-in (moto's server) on a free port; `aws_world` seeds it.
- `system`: ports, files and processes; as root, everything runs as `postgres`.

Nothing here imports pytest: the tests reach it through thin fixtures, and
`proxyctl lab` is built on it. Errors are `errors.LabToolMissing` (with how to
get the missing program or library) and `errors.LabFailed`.
"""
