"""The lab's proxies: a proxy front (proxyctl.lab.front) for every proxy in the AWS
stand-in, with what the real one would have: a certificate for its endpoint name from
the lab CA, the passwords of the secrets in its Auth, IAM required or not as its Auth
says, PgBouncer behind it. The users of those secrets are made to exist with those
passwords in PostgreSQL and PgBouncer, as on AWS they exist in the database.

The names the lab serves (each proxy's endpoint, the cluster's writer endpoint) do not
resolve; the lab's config file (DIR/config.toml, context `lab`) maps them with the
`resolve` setting (proxyctl.hostmap) and is rewritten as proxies come and go.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from proxyctl.lab import certs
from proxyctl.lab.aws_world import CREDENTIALS
from proxyctl.lab.postgres import APP_PASSWORD, APP_USER
from proxyctl.lab.promote import bouncer_of, server_of
from proxyctl.lab.state import LabState
from proxyctl.lab.system import HOST

log = logging.getLogger("proxyctl.lab.fronts")
PORT = 5432  # the port of every RDS endpoint, which tokens are signed for
CONTEXT = "lab"
CONFIG_NAME = "config.toml"


class Fronts:
    def __init__(self, state: LabState) -> None:
        self.state = state
        self.running: dict[str, Any] = {}  # proxy name -> Front
        self.writer_front: Any = None
        self._clients: dict[str, Any] = {}
        self.users = {"postgres": state.master_password, APP_USER: APP_PASSWORD}

    def _client(self, service: str) -> Any:
        """One client per service for the daemon's life: making one reads botocore's
        service model, too slow to do every second."""
        from proxyctl.aws.clients import endpoint_client

        if service not in self._clients:
            state = self.state
            self._clients[service] = endpoint_client(
                service, state.aws_url, state.region, CREDENTIALS
            )
        return self._clients[service]

    def cluster_writer(self) -> str | None:
        """The instance the stand-in names the cluster's writer."""
        rds = self._client("rds")
        cluster = rds.describe_db_clusters(DBClusterIdentifier=self.state.cluster)
        members = cluster["DBClusters"][0].get("DBClusterMembers", [])
        return next((m["DBInstanceIdentifier"] for m in members if m["IsClusterWriter"]), None)

    def follow_proxies(self) -> None:
        """A front for each new proxy, none for a proxy that is gone."""
        proxies = self._client("rds").describe_db_proxies()["DBProxies"]
        names = {p["DBProxyName"] for p in proxies}
        for name in set(self.running) - names:
            log.info("proxy %s is gone: stopping its front", name)
            self.running.pop(name).stop()
            self.state.fronts.pop(name, None)
        for proxy in proxies:
            if proxy["DBProxyName"] not in self.running:
                self._start(proxy)
        self.publish_names()

    def _start(self, proxy: dict[str, Any]) -> None:
        name, endpoint = proxy["DBProxyName"], proxy["Endpoint"]
        self._make_log_group(name)
        passwords = self._secret_passwords(proxy.get("Auth", []))
        self._add_users(passwords)
        iam = any(a.get("IAMAuth") == "REQUIRED" for a in proxy.get("Auth", []))
        backend = (HOST, self.state.bouncer_port)
        front = self._front(name, endpoint, backend, passwords, iam, proxy=True)
        self.running[name] = front
        address = front.address
        self.state.fronts[name] = {"endpoint": endpoint, "port": address[1], "iam": iam}
        self.state.fronts[name]["users"] = sorted(passwords)
        self.state.save()
        log.info("proxy %s: front on port %s (iam %s)", name, address[1], iam)

    def _front(
        self,
        name: str,
        endpoint: str,
        backend: tuple[str, int],
        passwords: dict[str, str],
        iam: bool,
        *,
        proxy: bool,
        listen: int = 0,
    ) -> Any:
        """A started front; a PROXY's publishes its logs and metrics and counts database
        connections on PgBouncer's console, the writer endpoint's does neither."""
        from proxyctl.lab.front import Front, FrontConfig
        from proxyctl.lab.pgbouncer import ADMIN_USER, POOL_SIZE

        directory = Path(self.state.dir) / "fronts"
        directory.mkdir(mode=0o700, exist_ok=True)
        cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
        certs.write_leaf(certs.issue(_ca(self.state), (endpoint,)), cert_file, key_file)
        config = FrontConfig(
            proxy=name,
            endpoint=endpoint,
            port=PORT,
            listen=(HOST, listen),
            cert_file=cert_file,
            key_file=key_file,
            backend=backend,
            region=self.state.region,
            access_key=CREDENTIALS[0],
            secret_key=CREDENTIALS[1],
            passwords=passwords,
            iam=iam,
            aws_url=self.state.aws_url if proxy else "",
            admin_user=ADMIN_USER if proxy else None,
            admin_password=self.state.bouncer_admin_password if proxy else None,
            max_database_connections=POOL_SIZE if proxy else 0,
        )
        front = Front(config)
        front.start()
        return front

    def serve_writer_endpoint(self, server_port: int) -> None:
        """The cluster's writer endpoint, leading to the server on SERVER_PORT: a front
        that checks IAM tokens (the cluster has IAM database auth on; PostgreSQL itself
        cannot check a token) and signs in to that server for each client, one server
        connection per client as on a direct endpoint. Called again after a promotion's
        DNS delay, it replaces the front on the same port: new connections go to the new
        writer, as once a DNS record and every cache have moved."""
        state = self.state
        if self.writer_front is not None:
            self.writer_front.stop()
        self.writer_front = self._front(
            state.cluster,
            state.writer_endpoint,
            (HOST, server_port),
            self.users,
            True,
            proxy=False,
            listen=state.writer_port,
        )
        state.writer_port, state.writer_target = self.writer_front.address[1], server_port

    def _make_log_group(self, name: str) -> None:
        """The proxy's log group, which RDS makes with the proxy: `pinning --from-logs`
        finds it (empty) before the front has logged a pin."""
        logs = self._client("logs")
        with suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=f"/aws/rds/proxy/{name}")

    def _secret_passwords(self, auth: list[dict[str, Any]]) -> dict[str, str]:
        secrets = self._client("secretsmanager")
        found: dict[str, str] = {}
        for entry in auth:
            if not entry.get("SecretArn"):
                continue
            value = json.loads(
                secrets.get_secret_value(SecretId=entry["SecretArn"])["SecretString"]
            )
            if isinstance(value.get("username"), str) and isinstance(value.get("password"), str):
                found[value["username"]] = value["password"]
        return found

    def _add_users(self, passwords: dict[str, str]) -> None:
        """Each secret's user exists in PostgreSQL and PgBouncer with its password."""
        new = {u: p for u, p in passwords.items() if self.users.get(u) != p}
        if not new:
            return
        if "postgres" in new:  # the servers and the standby's streaming sign in with it
            self.state.problems.append("a proxy's secret for postgres has another password")
            del new["postgres"]
        primary = server_of(self.state, self.state.primary)
        for user, password in new.items():
            ident, literal = '"' + user.replace('"', '""') + '"', _literal(password)
            primary.psql(
                f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(user)})"
                f" THEN CREATE ROLE {ident} LOGIN; END IF; END$$"
            )
            primary.psql(f"ALTER ROLE {ident} LOGIN PASSWORD {literal}")
        self.users.update(new)
        bouncer_of(self.state).set_users(self.users)

    def publish_names(self) -> None:
        """DIR/config.toml: the context `lab`, with the names the lab serves mapped."""
        state = self.state
        pairs = [f"{state.writer_endpoint}:{PORT}={HOST}:{state.writer_port}"]
        pairs += [f"{f['endpoint']}:{PORT}={HOST}:{f['port']}" for f in state.fronts.values()]
        write_config(Path(state.dir), config_text(state, pairs))

    def stop_all(self) -> None:
        for front in [*self.running.values(), self.writer_front]:
            if front is not None:
                front.stop()
        self.running.clear()


def config_text(state: LabState, pairs: list[str]) -> str:
    q = json.dumps  # a JSON string is a TOML basic string
    return (
        f"# The context `{CONTEXT}`, written by proxyctl lab for the lab in {state.dir};\n"
        "# rewritten as proxies come and go. Removed by `proxyctl lab down`.\n"
        f"[{CONTEXT}]\n"
        f"endpoint-url = {q(state.aws_url)}\n"
        f"region = {q(state.region)}\n"
        f"ca-bundle = {q(state.ca_file)}\n"
        f"resolve = [{', '.join(q(p) for p in pairs)}]\n"
    )


def write_config(directory: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".config-", suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(temp, directory / CONFIG_NAME)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ca(state: LabState) -> Any:
    import trustme

    directory = Path(state.dir)
    return trustme.CA.from_pem(
        (directory / "ca.pem").read_bytes(), (directory / "ca.key").read_bytes()
    )
