"""Starting the assistant's services as child processes: SMTP sink, action server, Rasa server.

`bot run` uses it to start everything with embedded defaults; the end-to-end tests use the same
code on free ports, so what they test is what an operator runs.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import PROJECT_ROOT, web_origins
from bot.security.file_modes import PRIVATE_UMASK

VENV_BIN = Path(sys.executable).parent


def rasa_server_command(model: Path, endpoints: str | Path, host: str, port: int,
                        origins: tuple[str, ...]) -> list[str]:
    """`rasa run` with the HTTP API, CORS for `origins` only. Start it with BOT_RASA_TOKEN in
    its environment: the token goes by environment (bot.ops.rasa_server), never on argv."""
    return [str(VENV_BIN / "python"), "-m", "bot.ops.rasa_server", "run",
            "--model", str(model), "--endpoints", str(endpoints),
            "--credentials", "credentials.yml", "--interface", host, "--port", str(port),
            "--cors", *origins, "--enable-api"]


def action_server_command(port: int) -> list[str]:
    """The action server (bot.ops.action_server: rasa_sdk with its logs masked). rasa_sdk has no
    listen-address option: start it with SANIC_HOST set (its default, 0.0.0.0, faces the
    network)."""
    return [str(VENV_BIN / "python"), "-m", "bot.ops.action_server", "--actions", "actions",
            "--port", str(port)]


def rasa_environment(**extra: str) -> dict[str, str]:
    """This process's environment for a Rasa command: no telemetry, quiet libraries."""
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1",
                TF_CPP_MIN_LOG_LEVEL="2", **extra)


@dataclass
class StackConfig:
    """Where each service listens and keeps its state."""

    var_dir: Path
    database_url: str
    tracker_db: str
    model: Path
    rasa_port: int = 5005
    action_port: int = 5055
    smtp_port: int = 2525
    smtp_host: str = "127.0.0.1"
    start_smtp_sink: bool = True
    start_sip: bool = False  # the SIP gateway (`bot sip`), after the Rasa server
    api_token: str = field(default_factory=lambda: secrets.token_hex(16))
    extra_env: dict[str, str] = field(default_factory=dict)
    root: Path = PROJECT_ROOT  # the checkout whose code and config the services run

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def web_origins(self) -> tuple[str, ...]:
        """Origins allowed by CORS: BOT_WEB_ORIGINS, else this stack's own web chat page."""
        configured = self.extra_env.get("BOT_WEB_ORIGINS") or os.environ.get("BOT_WEB_ORIGINS")
        return web_origins(configured, self.rasa_port)

    def environment(self) -> dict[str, str]:
        env = rasa_environment()
        env.update({
            "BOT_VAR_DIR": str(self.var_dir),
            "BOT_DATABASE_URL": self.database_url,
            "BOT_TRACKER_DB": self.tracker_db,
            "BOT_ACTION_PORT": str(self.action_port),
            "BOT_SMTP_HOST": self.smtp_host,
            "BOT_SMTP_PORT": str(self.smtp_port),
            "PYTHONPATH": str(self.root),
        })
        env.update(self.extra_env)
        return env


def latest_model(models_dir: Path = PROJECT_ROOT / "models") -> Path | None:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


class Stack:
    """The running child processes; stop() ends them all."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, tuple[list[str], dict[str, str]]] = {}

    def _start(self, name: str, command: list[str], **extra_env: str) -> None:
        """Start `name`; it and its log are owner-only whoever started the stack (a test too)."""
        self.commands[name] = (command, extra_env)
        self.config.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.config.log_dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                     0o600)
        with os.fdopen(fd, "ab") as log:
            self.processes[name] = subprocess.Popen(
                command, cwd=self.config.root, env={**self.config.environment(), **extra_env},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                umask=PRIVATE_UMASK)

    def start_helpers(self, timeout: float = 60.0) -> None:
        """The SMTP sink (unless a real relay is configured) and the action server."""
        cfg = self.config
        python = str(VENV_BIN / "python")
        if cfg.start_smtp_sink:
            self._start("smtp", [python, "-m", "bot", "smtp-sink", "--port", str(cfg.smtp_port),
                                 "--folder", str(cfg.mail_dir)])
        # loopback unless the operator says so (0.0.0.0 would expose the bank's data)
        self._start("actions", action_server_command(cfg.action_port),
                    SANIC_HOST=os.environ.get("BOT_ACTION_HOST", "127.0.0.1"))
        self.wait_ready(timeout)

    def start(self, timeout: float = 240.0) -> None:
        """Everything: the helpers, then the Rasa server with the trained model."""
        cfg = self.config
        self.start_helpers(timeout)
        self._start("rasa", rasa_server_command(cfg.model, "endpoints.yml", "127.0.0.1",
                                                cfg.rasa_port, cfg.web_origins()),
                    BOT_RASA_TOKEN=cfg.api_token)
        self.wait_ready(timeout)
        if cfg.start_sip:
            self._start("sip", [str(VENV_BIN / "python"), "-m", "bot", "sip",
                                "--rasa-url", cfg.rasa_url])

    def restart(self, name: str, timeout: float = 240.0) -> None:
        """Stop one service and start it again as before (what a crash and a supervisor do)."""
        terminate(self.processes[name])
        command, extra_env = self.commands[name]
        self._start(name, command, **extra_env)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        urls = {
            "actions": f"http://127.0.0.1:{self.config.action_port}/health",
            "rasa": f"{self.config.rasa_url}/status?token={self.config.api_token}",
        }
        checks = {name: url for name, url in urls.items() if name in self.processes}
        while checks:
            for name, url in list(checks.items()):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited; see {self.config.log_dir / name}.log")
                if http_answers(url, needs="model_file" if name == "rasa" else ""):
                    del checks[name]
            if checks and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f}s: {', '.join(checks)}")
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()


def terminate(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM to a process started in its own session (and its children), SIGKILL if it has
    not ended within `timeout`."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def http_answers(url: str, needs: str) -> bool:
    """Whether `url` answers 200 with `needs` in its body (within 2 s)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200 and needs in response.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that `finally:` blocks stop the child processes."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


@contextmanager
def running(config: StackConfig, timeout: float = 240.0) -> Iterator[Stack]:
    stack = Stack(config)
    try:
        stack.start(timeout)
        yield stack
    finally:
        stack.stop()


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_config(folder: Path, model: Path, *, trust_key_hex: str | None = None,
                   card_key_hex: str | None = None) -> StackConfig:
    """The stack on free loopback ports with all its state in `folder` (tests, benchmarks,
    screenshots), so it never touches `var/` or the ports of a running `bot run`."""
    return StackConfig(
        var_dir=folder,
        database_url=f"sqlite:///{folder / 'bank.db'}",
        tracker_db=f"sqlite:///{folder / 'tracker.db'}",
        model=model,
        rasa_port=free_port(),
        action_port=free_port(),
        smtp_port=free_port(),
        extra_env={"BOT_TRUST_KEY": trust_key_hex or secrets.token_hex(32),
                   "BOT_CARD_KEY": card_key_hex or secrets.token_hex(32)},
    )


def init_demo_bank(config: StackConfig, *, quiet: bool = False) -> None:
    """`bot db init --demo` on the config's database, with its keys (`quiet`: nothing printed)."""
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "db", "init", "--demo",
                    "--database-url", config.database_url],
                   cwd=config.root, env=config.environment(), check=True, timeout=300,
                   stdout=subprocess.DEVNULL if quiet else None)
