"""Local stand-ins for what proxyctl talks to, started on loopback without AWS.

- `postgres`: PostgreSQL servers with TLS from the lab CA, SCRAM logins, restart.
- `cluster`: a primary, its streaming standby, PgBouncer in front, and the promotion.
- `pgbouncer`: the pooler that holds clients across a failover.
- `faults`: a port that never answers, a frozen postmaster.
- `certs`: the lab CA and the certificates it signs (trustme).
- `moto`: the AWS stand-in (moto's server) on a free port; `aws_world` seeds it.
- `system`: ports, files and processes; as root, everything runs as `postgres`.

`proxyctl lab` (a whole stand-in that outlives the command starting it):
- `up`: starts the parts; `lifecycle`: up, down, failover; `view`: status and env.
- `state`: the lab directory and its record of ports, pids and promotions (lab.json).
- `daemon`: follows the stand-in: a proxy front per proxy (`fronts`), promotions
  (`promote`), the writer endpoint after the DNS delay; `health`: what answers.

Nothing here imports pytest: the tests reach it through thin fixtures, and
`proxyctl lab` is built on it. Errors are `errors.LabToolMissing` (with how to
get the missing program or library) and `errors.LabFailed`.
"""
