"""`rasa run` with its API token from the environment, never from the command line.

Any local user can read a process's command line (/proc/*/cmdline, `ps`). `rasa run` takes its
token only as `--auth-token`, so the stack starts this module instead: it reads the token from
`BOT_RASA_TOKEN` (or the file named by `BOT_RASA_TOKEN_FILE`), removes it from its environment,
and calls Rasa's own command-line entry point in this process with the token added to
`sys.argv` (which the kernel's copy of the command line does not see).

Before Rasa starts, every log record and printed line of the process is masked
(`bot.security.log_masking`): Rasa logs what callers typed, at DEBUG above all. And every HTTP
request body is bounded (`MAX_REQUEST_BYTES`, Sanic's `REQUEST_MAX_SIZE`, 100 MB by default):
a larger one is answered 413 before it is read, let alone parsed. The HTTP API's texts are held
to the channels' 1,000 characters (`bot.channels.api_guard`, a request middleware added to the
app Rasa builds): a token holder cannot send NLU what a customer cannot.

    python -m bot.ops.rasa_server run --model ... --enable-api
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.security import log_masking

if TYPE_CHECKING:
    from sanic import Sanic

TOKEN_ENV = "BOT_RASA_TOKEN"  # noqa: S105 (a variable name)
TOKEN_FILE_ENV = "BOT_RASA_TOKEN_FILE"  # noqa: S105
# A message is at most 1,000 characters (bot.channels.rest); the HTTP API's largest use here, a
# conversation's events, stays far below. SANIC_REQUEST_MAX_SIZE set by an operator wins.
MAX_REQUEST_BYTES = 1_000_000


def token_from_env() -> str | None:
    """The API token: BOT_RASA_TOKEN, else the first line of BOT_RASA_TOKEN_FILE, else None."""
    token = os.environ.pop(TOKEN_ENV, None)
    path = os.environ.get(TOKEN_FILE_ENV)
    if not token and path:
        token = Path(path).read_text().strip()
    return token or None


def guard_the_api() -> None:
    """Every app `rasa run` configures gets `api_guard.bound_api_request` as request middleware.

    Rasa offers no hook between building its Sanic app and serving it, so its app factory
    (`rasa.core.run.configure_app`, looked up by `serve_application` when it runs) is wrapped.
    """
    import rasa.core.run

    from bot.channels.api_guard import bound_api_request

    configure_app = rasa.core.run.configure_app

    def configure_guarded_app(*args: Any, **kwargs: Any) -> Sanic:
        app = configure_app(*args, **kwargs)
        app.register_middleware(bound_api_request, "request")
        return app

    rasa.core.run.configure_app = configure_guarded_app


def main(argv: list[str]) -> None:
    log_masking.install()
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_REQUEST_BYTES))
    token = token_from_env()
    sys.argv = ["rasa", *argv, *(["--auth-token", token] if token else [])]
    guard_the_api()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main(sys.argv[1:])
