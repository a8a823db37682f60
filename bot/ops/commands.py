"""What the operator commands do: train, run, chat. The argument parsing is in bot.ops.cli."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import PROJECT_ROOT, Settings
from bot.ops.stack import (
    VENV_BIN,
    Stack,
    StackConfig,
    latest_model,
    rasa_environment,
    stop_on_sigterm,
)

RASA_FILES = ["--domain", "domain.yml", "--data", "data", "--config", "config.yml"]


def _rasa(*args: str) -> None:
    subprocess.run([str(VENV_BIN / "rasa"), *args], cwd=PROJECT_ROOT, env=rasa_environment(),
                   check=True)


def train(force: bool = False) -> Path:
    """Train; Rasa's fingerprint skips the parts whose data did not change."""
    started = time.monotonic()
    args = ["train", *RASA_FILES, "--out", "models"] + (["--force"] if force else [])
    _rasa(*args)
    model = latest_model()
    assert model is not None, "rasa train produced no model"
    print(f"trained in {time.monotonic() - started:.0f}s: {model.relative_to(PROJECT_ROOT)}",
          flush=True)
    return model


def _database_exists(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True  # a server database is created by its operator: `bot db init`
    return bool(parsed.database) and Path(parsed.database).exists()


def stack_config(settings: Settings) -> StackConfig:
    model = latest_model() or train()
    return StackConfig(
        var_dir=settings.var_dir,
        database_url=settings.database_url,
        tracker_db=settings.tracker_db_url,
        model=model,
        rasa_port=int(os.environ.get("BOT_RASA_PORT", "5005")),
        action_port=settings.action_port,
        smtp_port=settings.smtp_port,
        smtp_host=settings.smtp_host,
        start_smtp_sink=os.environ.get("BOT_SMTP_SINK", "1") == "1",
    )


def prepare(settings: Settings) -> None:
    """First run: the demo bank in the default database."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if not _database_exists(settings.database_url):
        print(f"creating the demo bank in {settings.database_url}", flush=True)
        subprocess.run([sys.executable, "-m", "bot", "db", "init", "--demo"], cwd=PROJECT_ROOT,
                       check=True)


def prepared_stack() -> Stack:
    """The services for this checkout's settings (demo bank and model made on first use)."""
    settings = Settings.from_env()
    prepare(settings)
    stop_on_sigterm()
    return Stack(stack_config(settings))


def run() -> int:
    stack = prepared_stack()
    config = stack.config
    config.start_sip = os.environ.get("BOT_SIP", "1") == "1"  # phone calls: `bot run` only
    try:
        stack.start()
        print(f"Assistant ready: web chat {config.rasa_url}/webchat/\n"
              f"Rasa {config.rasa_url} (REST: /webhooks/rest/webhook, "
              f"socket.io: /socket.io), actions :{config.action_port}, mail -> {config.mail_dir}"
              f"\nLogs in {config.log_dir}. Ctrl-C stops.", flush=True)
        if config.start_sip:
            from bot.sip.config import GatewayConfig

            address = GatewayConfig.from_env().address
            print(f"Phone calls: {address} (SIP over UDP; logs in {config.log_dir}/sip.log)",
                  flush=True)
        while all(process.poll() is None for process in stack.processes.values()):
            time.sleep(1)
        print("a service stopped; see the logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def chat() -> int:
    """A conversation in this terminal: action server and SMTP sink, then Rasa's shell."""
    stack = prepared_stack()
    config = stack.config
    try:
        stack.start_helpers()
        return subprocess.run(
            [str(VENV_BIN / "rasa"), "shell", "--model", str(config.model), "--endpoints",
             "endpoints.yml"], cwd=PROJECT_ROOT, env=config.environment()).returncode
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()
