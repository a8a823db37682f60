"""Settings from environment variables, with embedded defaults that need no set-up.

Every setting is read from a `BOT_*` environment variable; the defaults keep all state in the
project's `var/` folder (SQLite database, local secret keys), so a fresh checkout runs as is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def web_origins(configured: str | None, rasa_port: int = 5005) -> tuple[str, ...]:
    """Web origins allowed to call the Rasa server (CORS, socket.io): the comma-separated
    `BOT_WEB_ORIGINS`, else the server's own web chat page http://127.0.0.1:<port>."""
    origins = tuple(part.strip() for part in (configured or "").split(",") if part.strip())
    return origins or (f"http://127.0.0.1:{rasa_port}",)


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with `Settings.from_env()`."""

    var_dir: Path
    database_url: str
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    mail_from: str = "no-reply@bank.example"
    rasa_url: str = "http://127.0.0.1:5005"
    action_port: int = 5055
    max_attempts: int = 3
    tracker_db: str | None = None  # None: var/tracker.db
    web_origins: tuple[str, ...] = ("http://127.0.0.1:5005",)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def tracker_db_url(self) -> str:
        """Where conversations are stored (Rasa's tracker store): BOT_TRACKER_DB or var/."""
        return self.tracker_db or f"sqlite:///{self.var_dir / 'tracker.db'}"

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(_env("BOT_VAR_DIR", str(PROJECT_ROOT / "var")))
        return cls(
            var_dir=var_dir,
            database_url=_env("BOT_DATABASE_URL", f"sqlite:///{var_dir / 'bank.db'}"),
            smtp_host=_env("BOT_SMTP_HOST", "127.0.0.1"),
            smtp_port=int(_env("BOT_SMTP_PORT", "2525")),
            mail_from=_env("BOT_MAIL_FROM", "no-reply@bank.example"),
            rasa_url=_env("BOT_RASA_URL", "http://127.0.0.1:5005"),
            action_port=int(_env("BOT_ACTION_PORT", "5055")),
            max_attempts=int(_env("BOT_MAX_ATTEMPTS", "3")),
            tracker_db=os.environ.get("BOT_TRACKER_DB"),
            web_origins=web_origins(os.environ.get("BOT_WEB_ORIGINS"),
                                    urlsplit(_env("BOT_RASA_URL", "http://127.0.0.1:5005")).port
                                    or 5005),
        )
