"""The scaled-out topology on one machine (`bot cluster up/down`), from the files in deploy/.

Every engine is a Debian package run as it is meant to be (docs/deploy.md): PostgreSQL (bank
database and tracker store), Redis (Rasa's lock store), N Rasa replicas and M action servers
behind HAProxy, K `bot sip` workers behind Kamailio. Here they all listen on free loopback ports
with their state in one folder; on several machines only the addresses in deploy/ change.
The tests of tests/topology and the benchmarks start the same `Cluster` as the operator does.
"""

from __future__ import annotations

import ipaddress
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.channels.apology import apology
from bot.config import PROJECT_ROOT, web_origins
from bot.ops.children import Children
from bot.ops.stack import (
    VENV_BIN,
    action_server_command,
    free_port,
    http_answers,
    rasa_environment,
    rasa_server_command,
)

DEPLOY_DIR = PROJECT_ROOT / "deploy"
STATE_FILE = "cluster.json"
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
KAMAILIO_MODULES = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")
# Where `bot cluster up` notes the folder of the running topology, for `bot cluster down`.
POINTER = PROJECT_ROOT / "var" / "cluster-folder"
# Rasa sends an action the whole conversation so far (every event since the session began): a
# long conversation is megabytes. The action edge faces only the replicas, so its limit is wide.
MAX_ACTION_BODY_BYTES = 32 * 1024 * 1024
# Sources from which the HTTP edge passes Rasa's token API (docs/security.md); default none.
ADMIN_NETWORKS_ENV = "BOT_HTTP_ADMIN_NETWORKS"
ADMIN_NETWORKS_FILE = "haproxy-admin-networks.lst"
HAPROXY_STATS_SOCKET = "haproxy.sock"
_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")


class ClusterError(RuntimeError):
    """The topology could not be started; the message says which part and where its log is."""


def render(template: str, values: dict[str, object]) -> str:
    """Fill the lower-case `${name}` placeholders of a deploy/ template; every one must be given.

    Only lower-case names are ours: Kamailio's `$si` and Rasa's `${BOT_...}` stay as they are.
    """

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for ${{{name}}}")
        return str(values[name])

    return _PLACEHOLDER.sub(value, template)


def admin_networks(text: str | None) -> list[str]:
    """`"192.0.2.10, 198.51.100.0/24"` as HAProxy source patterns, checked; "" or None: none."""
    networks = []
    for item in (text or "").split(","):
        if item.strip():
            try:
                networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
            except ValueError:
                raise ClusterError(f"{ADMIN_NETWORKS_ENV}: {item.strip()!r} is not an address "
                                   "or CIDR") from None
    return networks


def _free_udp_port() -> int:
    """A port free on loopback for both UDP (SIP) and TCP (SIP over TLS uses the next one)."""
    while True:
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


@dataclass
class ClusterPlan:
    """Addresses, counts and secrets of one topology; saved in the folder as cluster.json."""

    folder: Path
    model: Path
    rasa_ports: list[int]
    action_ports: list[int]
    sip_ports: list[int]
    http_port: int  # HAProxy: REST + socket.io
    action_edge_port: int  # HAProxy: the action webhook
    sip_edge_port: int  # Kamailio, UDP
    tls_edge_port: int  # Kamailio, TLS
    postgres_port: int
    redis_port: int
    smtp_port: int
    host: str = "127.0.0.1"
    postgres_password: str = field(default_factory=lambda: secrets.token_hex(16))
    api_token: str = field(default_factory=lambda: secrets.token_hex(16))
    trust_key_hex: str = field(default_factory=lambda: secrets.token_hex(32))
    card_key_hex: str = field(default_factory=lambda: secrets.token_hex(32))
    rate_limit: int = 2000  # HTTP requests per 10 s from one address
    max_connections_per_source: int = 200  # HTTP connections at once from one address
    session_rate_limit: int = 60  # new socket.io sessions per minute from one address
    admin_networks: list[str] = field(default_factory=list)  # may reach the token API
    pike_density: int = 40  # SIP requests per 2 s from one address
    pids: dict[str, int] = field(default_factory=dict)
    supervisor_pid: int | None = None  # `bot cluster up`'s supervisor (bot.ops.cluster.supervise)

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def sip_edge(self) -> tuple[str, int]:
        return self.host, self.sip_edge_port

    def database_url(self, name: str) -> str:
        return (f"postgresql://bank:{self.postgres_password}@{self.host}:{self.postgres_port}"
                f"/{name}")

    def save(self) -> None:
        data = asdict(self)
        data["folder"], data["model"] = str(self.folder), str(self.model)
        path = self.folder / STATE_FILE
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        path.chmod(0o600)  # it holds the database password and the keys

    @classmethod
    def load(cls, folder: Path) -> ClusterPlan:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        data["folder"], data["model"] = Path(data["folder"]), Path(data["model"])
        return cls(**data)


def plan(folder: Path, model: Path, *, rasa_replicas: int = 2, action_servers: int = 2,
         sip_workers: int = 2) -> ClusterPlan:
    """A topology on free loopback ports, its state in `folder`; the HTTP edge passes the token
    API from the networks in BOT_HTTP_ADMIN_NETWORKS only."""
    return ClusterPlan(
        folder=folder, model=model,
        rasa_ports=[free_port() for _ in range(rasa_replicas)],
        action_ports=[free_port() for _ in range(action_servers)],
        sip_ports=[_free_udp_port() for _ in range(sip_workers)],
        http_port=free_port(), action_edge_port=free_port(),
        sip_edge_port=_free_udp_port(), tls_edge_port=free_port(),
        postgres_port=free_port(), redis_port=free_port(), smtp_port=free_port(),
        admin_networks=admin_networks(os.environ.get(ADMIN_NETWORKS_ENV)),
    )


def _server_lines(name: str, ports: list[int], host: str, *, cookie: bool = False) -> str:
    lines = []
    for number, port in enumerate(ports, start=1):
        extra = f" cookie {name}{number}" if cookie else ""
        lines.append(f"    server {name}{number} {host}:{port} check{extra}")
    return "\n".join(lines)


def no_replica_answer() -> str:
    """What the HTTP edge answers a REST turn when no replica can take it: the assistant's
    apology (bot.channels.apology) as a reply list, in every language."""
    body = json.dumps([{"recipient_id": "", "text": apology(None)}], ensure_ascii=False)
    return ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache\r\n"
            f"Connection: close\r\n\r\n{body}\n")


def haproxy_config(cluster: ClusterPlan) -> str:
    return render((DEPLOY_DIR / "haproxy.cfg").read_text(encoding="utf-8"), {
        "no_replica_answer": cluster.folder / "no-replica.http",
        "stats_socket": cluster.folder / HAPROXY_STATS_SOCKET,
        "http_host": cluster.host, "http_port": cluster.http_port,
        "action_port": cluster.action_edge_port,
        "max_connections": 2000, "rate_limit": cluster.rate_limit,
        "max_connections_per_source": cluster.max_connections_per_source,
        "session_rate_limit": cluster.session_rate_limit,
        "admin_networks_file": cluster.folder / ADMIN_NETWORKS_FILE,
        "max_body_bytes": 16384, "max_action_body_bytes": MAX_ACTION_BODY_BYTES,
        "rasa_servers": _server_lines("rasa", cluster.rasa_ports, cluster.host),
        "rasa_socketio_servers": _server_lines("rasa", cluster.rasa_ports, cluster.host,
                                               cookie=True),
        "action_servers": _server_lines("actions", cluster.action_ports, cluster.host),
    })


def kamailio_config(cluster: ClusterPlan) -> str:
    folder = cluster.folder / "kamailio"
    return render((DEPLOY_DIR / "kamailio.cfg").read_text(encoding="utf-8"), {
        "log_level": 1, "edge_host": cluster.host, "sip_port": cluster.sip_edge_port,
        "tls_port": cluster.tls_edge_port, "module_dir": KAMAILIO_MODULES,
        "tls_config": folder / "tls.cfg", "dispatcher_list": folder / "dispatcher.list",
        "pike_density": cluster.pike_density, "ban_seconds": 60, "max_message_bytes": 16384,
    })


def dispatcher_list(cluster: ClusterPlan) -> str:
    """Set 1: the workers, in the dispatcher module's list format (set, URI, flags, priority)."""
    return "".join(f"1 sip:{cluster.host}:{port} 0 0\n" for port in cluster.sip_ports)


def make_certificate(folder: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate for the TLS listener (replace with the bank's own)."""
    key, cert = folder / "edge.key", folder / "edge.crt"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365",
                        "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}",
                        "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
        key.chmod(0o600)
    return key, cert


def edge_servers(stats_socket: Path, timeout: float = 5.0) -> dict[str, str]:
    """Each server of an HAProxy edge, as "backend/server", and its state (UP, DOWN, MAINT,
    "UP 1/2" while rising...), read from its stats socket (`show stat`)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(str(stats_socket))
        connection.sendall(b"show stat\n")
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    lines = b"".join(chunks).decode(errors="replace").splitlines()
    if not lines or not lines[0].startswith("# "):
        return {}
    header = lines[0][2:].split(",")
    proxy, server, status = (header.index(name) for name in ("pxname", "svname", "status"))
    states = {}
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) > status and fields[server] not in ("FRONTEND", "BACKEND"):
            states[f"{fields[proxy]}/{fields[server]}"] = fields[status]
    return states


def _postgres_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user."""
    return pwd.getpwnam("postgres") if os.geteuid() == 0 else None


class Cluster:
    """The running topology: start() brings every part up in order, stop() takes it down."""

    def __init__(self, cluster: ClusterPlan) -> None:
        self.plan = cluster
        self.children = Children()
        self._watching = threading.Event()

    @property
    def processes(self) -> dict[str, subprocess.Popen]:
        return self.children.processes

    @property
    def logs(self) -> Path:
        return self.plan.folder / "logs"

    def environment(self) -> dict[str, str]:
        cluster = self.plan
        return rasa_environment(
            BOT_VAR_DIR=str(cluster.folder / "var"),
            BOT_DATABASE_URL=cluster.database_url("bank"),
            BOT_TRACKER_DB=cluster.database_url("tracker"),
            BOT_ACTION_URL=f"http://{cluster.host}:{cluster.action_edge_port}/webhook",
            BOT_REDIS_HOST=cluster.host, BOT_REDIS_PORT=str(cluster.redis_port),
            BOT_SMTP_HOST=cluster.host, BOT_SMTP_PORT=str(cluster.smtp_port),
            BOT_TRUST_KEY=cluster.trust_key_hex, BOT_CARD_KEY=cluster.card_key_hex,
            BOT_RASA_URL=cluster.http_url, PYTHONPATH=str(PROJECT_ROOT),
        )

    def _start(self, name: str, command: list[str], *, user: pwd.struct_passwd | None = None,
               **extra_env: str) -> None:
        def start() -> subprocess.Popen:
            with (self.logs / f"{name}.log").open("ab") as log:
                process = subprocess.Popen(
                    command, cwd=PROJECT_ROOT, env={**self.environment(), **extra_env},
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                    extra_groups=[] if user else None)
            self.plan.pids[name] = process.pid
            return process

        self.children.start(name, start)

    # --- the parts, in the order they start -----------------------------------------------

    def start(self, timeout: float = 300.0) -> None:
        folder = self.plan.folder
        folder.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        (folder / "var").mkdir(exist_ok=True)
        try:
            self._start_postgres()
            self._start("redis", ["redis-server", "--bind", self.plan.host, "--port",
                                  str(self.plan.redis_port), "--save", "", "--appendonly", "no",
                                  "--dir", str(folder), "--protected-mode", "yes"])
            self._start("smtp", [str(VENV_BIN / "python"), "-m", "bot", "smtp-sink", "--port",
                                 str(self.plan.smtp_port), "--folder", str(folder / "mail")])
            self._wait_tcp("postgres", self.plan.postgres_port, 60)
            self._create_databases()
            self._init_bank()
            self._start_http_edge()
            for number, port in enumerate(self.plan.action_ports, start=1):
                self.start_action_server(number, port)
            for number, port in enumerate(self.plan.rasa_ports, start=1):
                self.start_rasa(number, port)
            for number, port in enumerate(self.plan.action_ports, start=1):
                self._wait_http(f"actions{number}", f"http://{self.plan.host}:{port}/health",
                                timeout)
            for number, port in enumerate(self.plan.rasa_ports, start=1):
                self._wait_http(f"rasa{number}", f"http://{self.plan.host}:{port}/status?token="
                                f"{self.plan.api_token}", timeout, needs="model_file")
            self.wait_in_service(timeout)
            for number, port in enumerate(self.plan.sip_ports, start=1):
                self.start_sip_worker(number, port)
            if self.plan.sip_ports:  # none: a chat-only topology (benchmarks)
                self.start_sip_edge()
        except BaseException:
            self.stop()
            raise
        self.plan.save()

    def _start_postgres(self) -> None:
        data = self.plan.folder / "postgres"
        user = _postgres_user()
        password_file = self.plan.folder / "pgpass.tmp"
        password_file.write_text(self.plan.postgres_password, encoding="utf-8")
        data.mkdir(mode=0o700)
        if user is not None:
            # The server's user needs to reach its data folder: traverse, not read, the parents.
            self.plan.folder.chmod(0o711)
            os.chown(data, user.pw_uid, user.pw_gid)
            os.chown(password_file, user.pw_uid, user.pw_gid)
        password_file.chmod(0o600)
        try:
            subprocess.run([str(POSTGRES_BIN / "initdb"), "-D", str(data), "-U", "bank",
                            "--auth=scram-sha-256", f"--pwfile={password_file}", "-E", "UTF8",
                            "--locale=C.UTF-8"],
                           check=True, capture_output=True, timeout=120, **_as_user(user))
        except subprocess.CalledProcessError as error:
            raise ClusterError(f"initdb failed: {error.stderr.decode(errors='replace')}") from None
        finally:
            password_file.unlink()
        self._start("postgres", [str(POSTGRES_BIN / "postgres"), "-D", str(data), "-p",
                                 str(self.plan.postgres_port), "-c",
                                 f"listen_addresses={self.plan.host}", "-c",
                                 "unix_socket_directories=", "-c", "max_connections=200"],
                    user=user)

    def _create_databases(self) -> None:
        import psycopg2

        deadline = time.monotonic() + 60
        while True:
            try:
                connection = psycopg2.connect(self.plan.database_url("postgres"))
                break
            except psycopg2.OperationalError:  # still starting up
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        connection.autocommit = True
        with connection.cursor() as cursor:
            for name in ("bank", "tracker"):
                cursor.execute(f"CREATE DATABASE {name}")  # noqa: S608 (fixed names)
        connection.close()

    def _init_bank(self) -> None:
        result = subprocess.run(
            [str(VENV_BIN / "python"), "-m", "bot", "db", "init", "--demo", "--database-url",
             self.plan.database_url("bank")],
            cwd=PROJECT_ROOT, env=self.environment(), capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise ClusterError(f"bot db init failed: {result.stderr[-2000:]}")

    def _start_http_edge(self) -> None:
        (self.plan.folder / ADMIN_NETWORKS_FILE).write_text(
            "".join(f"{network}\n" for network in self.plan.admin_networks), encoding="utf-8")
        config = self.plan.folder / "haproxy.cfg"
        (self.plan.folder / "no-replica.http").write_text(no_replica_answer(), encoding="utf-8")
        config.write_text(haproxy_config(self.plan), encoding="utf-8")
        self._start("haproxy", ["haproxy", "-db", "-f", str(config)])
        self._wait_tcp("haproxy", self.plan.http_port, 30)

    def start_action_server(self, number: int, port: int) -> None:
        self._start(f"actions{number}", action_server_command(port), SANIC_HOST=self.plan.host)

    def start_rasa(self, number: int, port: int) -> None:
        # CORS for the web origins: the HTTP edge's own page unless BOT_WEB_ORIGINS says.
        origins = web_origins(os.environ.get("BOT_WEB_ORIGINS"), self.plan.http_port)
        self._start(f"rasa{number}", rasa_server_command(
            self.plan.model, DEPLOY_DIR / "endpoints.yml", self.plan.host, port, origins),
            BOT_RASA_TOKEN=self.plan.api_token)

    def start_sip_worker(self, number: int, port: int) -> None:
        # Each worker has its own RTP range; media flows between caller and worker directly.
        first = 21000 + 1000 * (number - 1)
        self._start(f"sip{number}", [str(VENV_BIN / "python"), "-m", "bot", "sip", "--host",
                                     self.plan.host, "--port", str(port), "--rasa-url",
                                     self.plan.http_url],
                    BOT_SIP_RTP_PORTS=f"{first}-{first + 999}")

    def start_sip_edge(self) -> None:
        folder = self.plan.folder / "kamailio"
        folder.mkdir(exist_ok=True)
        key, cert = make_certificate(folder, self.plan.host)
        (folder / "tls.cfg").write_text(render((DEPLOY_DIR / "tls.cfg").read_text(), {
            "tls_key": key, "tls_cert": cert}), encoding="utf-8")
        (folder / "dispatcher.list").write_text(dispatcher_list(self.plan), encoding="utf-8")
        config = folder / "kamailio.cfg"
        config.write_text(kamailio_config(self.plan), encoding="utf-8")
        check = subprocess.run(["kamailio", "-c", "-f", str(config)], capture_output=True,
                               text=True, timeout=30)
        if check.returncode != 0:
            raise ClusterError(f"kamailio.cfg does not parse: {check.stderr[-2000:]}")
        self._start("kamailio", ["kamailio", "-DD", "-E", "-f", str(config), "-P",
                                 str(folder / "kamailio.pid"), "-Y", str(folder), "-w",
                                 str(folder)])
        self._wait_tcp("kamailio", self.plan.tls_edge_port, 30)

    # --- waiting and stopping ---------------------------------------------------------------

    def _check_alive(self, name: str) -> None:
        process = self.processes.get(name)
        if process is not None and process.poll() is not None:
            raise ClusterError(f"{name} exited; see {self.logs / name}.log")

    def _wait_until(self, name: str, ready: Callable[[], bool], timeout: float,
                    not_yet: Callable[[], str], interval: float) -> None:
        """Poll `ready` every `interval` s while the part `name` lives; after `timeout`,
        ClusterError saying what it is not yet (`not_yet`) and where its log is."""
        deadline = time.monotonic() + timeout
        while not ready():
            self._check_alive(name)
            if time.monotonic() > deadline:
                raise ClusterError(f"{name} {not_yet()} after {timeout:.0f}s; "
                                   f"see {self.logs / name}.log")
            time.sleep(interval)

    def _wait_tcp(self, name: str, port: int, timeout: float) -> None:
        def listening() -> bool:
            try:
                with socket.create_connection((self.plan.host, port), timeout=1):
                    return True
            except OSError:
                return False

        self._wait_until(name, listening, timeout, lambda: f"not listening on {port}", 0.2)

    def _wait_http(self, name: str, url: str, timeout: float, needs: str = "") -> None:
        self._wait_until(name, lambda: http_answers(url, needs), timeout, lambda: "not ready",
                         0.5)

    def wait_in_service(self, timeout: float) -> None:
        """Until HAProxy has every server of every backend in service. It sends nothing to a
        server before its health checks pass (rise 2); until then the first turns would get
        the edge's own apology, which is a 200 (so no page through the edge can tell)."""
        stats = self.plan.folder / HAPROXY_STATS_SOCKET
        states: dict[str, str] = {}

        def in_service() -> bool:
            nonlocal states
            try:
                states = edge_servers(stats)
            except OSError:
                states = {}  # not listening yet
            return bool(states) and all(state == "UP" for state in states.values())

        self._wait_until("haproxy", in_service, timeout,
                         lambda: f"has not every server in service ({states})", 0.2)

    # --- supervision and faults ---------------------------------------------------------------

    def check(self) -> list[str]:
        """One look at every part: a dead one is started again after its delay
        (bot.ops.supervision); what was done, one line each (also in logs/supervisor.log)."""
        done = self.children.check()
        if done:
            self.plan.save()  # the new pids, for `bot cluster down`
            with (self.logs / "supervisor.log").open("a", encoding="utf-8") as log:
                for line in done:
                    log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")
        return done

    def watch(self, interval: float = 0.5) -> threading.Thread:
        """Supervise from a thread (tests, benchmarks) until `stop`."""
        self._watching.set()

        def loop() -> None:
            while self._watching.is_set():
                self.check()
                time.sleep(interval)

        thread = threading.Thread(target=loop, name="cluster-supervisor", daemon=True)
        thread.start()
        return thread

    def crash(self, name: str) -> None:
        """End one part at once, as a crash would; supervision starts it again."""
        self.children.kill(name, hold=False)

    def kill(self, name: str) -> None:
        """End one part at once, as a crash would, and keep it down until `release` (fault
        tests: what callers get while it is down)."""
        self.children.kill(name, hold=True)

    def release(self, name: str) -> None:
        """Start a part that `kill` keeps down."""
        self.children.release(name)

    def stop(self) -> None:
        self._watching.clear()
        if self.children.processes:
            self.children.stop(signal_for=_stop_signal)
        else:  # a topology this process did not start (loaded from its folder)
            stop_processes(self.plan.pids)
        self.plan.pids.clear()


def _stop_signal(name: str) -> int:
    """PostgreSQL: SIGINT, its fast shutdown; every other part: SIGTERM."""
    return signal.SIGINT if name == "postgres" else signal.SIGTERM


def _as_user(user: pwd.struct_passwd | None) -> dict[str, object]:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_processes(pids: dict[str, int], timeout: float = 15.0) -> None:
    """Stop the parts in the reverse order of their start: SIGTERM (PostgreSQL: SIGINT, its fast
    shutdown), then SIGKILL for whatever is still there after `timeout`."""
    for name, pid in reversed(list(pids.items())):
        try:
            os.killpg(pid, _stop_signal(name))
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids.values():
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)


def new_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="bank-cluster-"))


READY_FILE = "ready"


def up(model: Path, *, rasa_replicas: int, action_servers: int, sip_workers: int,
       timeout: float = 600.0) -> ClusterPlan:
    """`bot cluster up`: start the topology in a new temporary folder under a supervisor
    process that stays (`python -m bot.ops.cluster FOLDER`: it restarts any part that dies),
    and return once every part answers."""
    if POINTER.exists():
        raise ClusterError(f"a topology is already up in {POINTER.read_text().strip()}; "
                           "`bot cluster down` first")
    missing = [tool for tool in ("kamailio", "haproxy", "redis-server", "openssl")
               if shutil.which(tool) is None]
    if not (POSTGRES_BIN / "postgres").exists():
        missing.append("postgresql-15")
    if missing:
        raise ClusterError(f"missing {', '.join(missing)}: run scripts/setup.sh --topology")
    cluster = plan(new_folder(), model, rasa_replicas=rasa_replicas,
                   action_servers=action_servers, sip_workers=sip_workers)
    (cluster.folder / "logs").mkdir(parents=True)
    cluster.save()
    log_path = cluster.folder / "logs" / "supervisor.log"
    with log_path.open("ab") as log:
        supervisor = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "bot.ops.cluster", str(cluster.folder)],
            cwd=PROJECT_ROOT, env=rasa_environment(PYTHONPATH=str(PROJECT_ROOT)),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    POINTER.parent.mkdir(parents=True, exist_ok=True)
    POINTER.write_text(str(cluster.folder), encoding="utf-8")
    deadline = time.monotonic() + timeout
    while not (cluster.folder / READY_FILE).exists():
        if supervisor.poll() is not None or time.monotonic() > deadline:
            down()
            tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
            raise ClusterError(f"the topology did not come up:\n{tail}")
        time.sleep(0.5)
    return ClusterPlan.load(cluster.folder)


def down() -> Path | None:
    """`bot cluster down`: stop the supervisor (which stops every part), then anything left,
    and delete the folder; None if nothing was up."""
    if not POINTER.exists():
        return None
    folder = Path(POINTER.read_text(encoding="utf-8").strip())
    if (folder / STATE_FILE).exists():
        supervisor = ClusterPlan.load(folder).supervisor_pid
        if supervisor is not None and _alive(supervisor):
            os.killpg(supervisor, signal.SIGTERM)
            deadline = time.monotonic() + 60
            while _alive(supervisor) and time.monotonic() < deadline:
                time.sleep(0.2)
        stop_processes(ClusterPlan.load(folder).pids)  # whatever the supervisor left behind
    shutil.rmtree(folder, ignore_errors=True)
    POINTER.unlink()
    return folder


def supervise(folder: Path) -> int:
    """The supervisor `up` leaves running: start the topology in `folder`, then restart any
    part that dies (the rule of bot.ops.supervision; each restart is a line in
    logs/supervisor.log) until SIGTERM, which stops them all."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cluster_plan = ClusterPlan.load(folder)
    cluster_plan.supervisor_pid = os.getpid()
    cluster = Cluster(cluster_plan)
    try:
        cluster.start()
        (folder / READY_FILE).touch()
        while True:
            cluster.check()
            time.sleep(0.5)
    except ClusterError as error:
        print(f"bot cluster: {error}", flush=True)
        return 1
    finally:
        cluster.stop()


if __name__ == "__main__":
    raise SystemExit(supervise(Path(sys.argv[1])))
