"""What the operator commands do: train, run, chat. The argument parsing is in bot.ops.cli."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import PROJECT_ROOT, Settings
from bot.designer.training_plan import plan, project_fingerprint, read_checked, write_checked
from bot.ops.stack import (
    VENV_BIN,
    Stack,
    StackConfig,
    free_port,
    http_answers,
    latest_model,
    rasa_environment,
    stop_on_sigterm,
)
from bot.security.file_modes import tighten

RASA_FILES = ["--domain", "domain.yml", "--data", "data", "--config", "config.yml"]


def _rasa(*args: str, cwd: Path = PROJECT_ROOT) -> None:
    subprocess.run([str(VENV_BIN / "rasa"), *args], cwd=cwd, env=rasa_environment(), check=True)


class DataProblems(Exception):
    """The training data failed the check that comes before training."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} data problem(s)")
        self.problems = problems


def _check(root: Path, quick: bool) -> None:
    from bot.designer.validation import example_problems, validate

    started = time.monotonic()
    problems = example_problems(root) if quick else validate(root)
    if problems:
        raise DataProblems(problems)
    what = ("NLU examples checked (only they changed; `bot validate` checks everything)"
            if quick else "data valid")
    print(f"{what} in {time.monotonic() - started:.0f}s", flush=True)


def train(force: bool = False, full: bool = False, root: Path = PROJECT_ROOT,
          check: bool = False) -> Path:
    """Train the model (Rasa's cache skips the parts whose input did not change; `force` skips
    the cache too). With `check`, validate first (raising DataProblems): the NLU examples alone
    when only they changed since the last training that passed the whole check, else (or with
    `full`) the whole project.
    """
    started = time.monotonic()
    models_dir = root / "models"
    fingerprint = project_fingerprint(root)
    decision = plan(fingerprint, read_checked(models_dir), whole_requested=full or force)
    if check:
        print(f"{'quick' if decision.quick_check else 'whole'} check: {decision.reason}",
              flush=True)
        _check(root, decision.quick_check)
    # Rasa's own validation would repeat `bot validate` (and only warns): skipped
    _rasa("train", *RASA_FILES, "--out", "models", "--skip-validation",
          *(["--force"] if force else []), cwd=root)
    model = latest_model(models_dir)
    assert model is not None, "rasa train produced no model"
    if check and not decision.quick_check:
        write_checked(models_dir, fingerprint)
    print(f"trained in {time.monotonic() - started:.0f}s: {model.relative_to(root)}", flush=True)
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
        rasa_port=configured_rasa_port(),
        action_port=settings.action_port,
        smtp_port=settings.smtp_port,
        smtp_host=settings.smtp_host,
        start_smtp_sink=os.environ.get("BOT_SMTP_SINK", "1") == "1",
    )


def prepare(settings: Settings) -> None:
    """First run: the demo bank in the default database."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    for path in tighten(settings.var_dir):
        print(f"made owner-only: {path}", flush=True)
    if not _database_exists(settings.database_url):
        print(f"creating the demo bank in {settings.database_url}", flush=True)
        subprocess.run([sys.executable, "-m", "bot", "db", "init", "--demo"], cwd=PROJECT_ROOT,
                       check=True)


def prepared_config() -> StackConfig:
    """The services for this checkout's settings (the demo bank made on first use); SIGTERM
    stops this process as Ctrl-C does."""
    settings = Settings.from_env()
    prepare(settings)
    stop_on_sigterm()
    return stack_config(settings)


def prepared_stack() -> Stack:
    return Stack(prepared_config())


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
        while True:  # a service that dies is started again (bot.ops.supervision)
            for line in stack.check():
                print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", file=sys.stderr,
                      flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def configured_rasa_port() -> int:
    """Where `bot run` serves the assistant (`BOT_RASA_PORT`, default 5005)."""
    return int(os.environ.get("BOT_RASA_PORT", "5005"))


def running_assistant(port: int | None = None) -> str | None:
    """The URL of an assistant answering on loopback at `port` (default: `bot run`'s), if any:
    its REST channel says so."""
    url = f"http://127.0.0.1:{port or configured_rasa_port()}"
    return url if http_answers(f"{url}/webhooks/rest/", needs='"ok"') else None


@contextmanager
def assistant_for(command: str) -> Iterator[str]:
    """The assistant an operator command talks to: the one `bot run` serves, when it runs;
    otherwise one started for this command alone on free loopback ports (never the ports a
    `bot run` would take) and stopped at the end. Says which, on the terminal."""
    url = running_assistant()
    if url is not None:
        print(f"{command}: using the assistant already running at {url} (nothing started)",
              flush=True)
        yield url
        return
    config = prepared_config()
    config = replace(config, rasa_port=free_port(), action_port=free_port(),
                     smtp_port=free_port() if config.start_smtp_sink else config.smtp_port)
    stack = Stack(config)
    print(f"{command}: no assistant at http://127.0.0.1:{configured_rasa_port()}; starting one "
          f"for this {command.split()[-1]} on free loopback ports (Rasa {config.rasa_url}, "
          f"actions :{config.action_port}, mail -> {config.mail_dir}; logs in "
          f"{config.log_dir}); it stops when you leave", flush=True)
    try:
        stack.start()
        yield config.rasa_url
    finally:
        stack.stop()


def chat() -> int:
    """A text conversation in this terminal, with the running assistant or one of its own."""
    from bot.ops.terminal_chat import chat as chat_over_rest

    try:
        with assistant_for("bot chat") as url:
            return chat_over_rest(url)
    except KeyboardInterrupt:
        return 0
