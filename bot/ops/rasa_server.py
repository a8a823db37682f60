"""`rasa run` with its API token from the environment, never from the command line.

Any local user can read a process's command line (/proc/*/cmdline, `ps`). `rasa run` takes its
token only as `--auth-token`, so the stack starts this module instead: it reads the token from
`BOT_RASA_TOKEN` (or the file named by `BOT_RASA_TOKEN_FILE`), removes it from its environment,
and calls Rasa's own command-line entry point in this process with the token added to
`sys.argv` (which the kernel's copy of the command line does not see).

    python -m bot.ops.rasa_server run --model ... --enable-api

It also gives the server the processor that answers every failed turn with an apology instead
of silence (`bot.channels.kept_turns`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TOKEN_ENV = "BOT_RASA_TOKEN"  # noqa: S105 (a variable name)
TOKEN_FILE_ENV = "BOT_RASA_TOKEN_FILE"  # noqa: S105


def token_from_env() -> str | None:
    """The API token: BOT_RASA_TOKEN, else the first line of BOT_RASA_TOKEN_FILE, else None."""
    token = os.environ.pop(TOKEN_ENV, None)
    path = os.environ.get(TOKEN_FILE_ENV)
    if not token and path:
        token = Path(path).read_text().strip()
    return token or None


def main(argv: list[str]) -> None:
    token = token_from_env()
    sys.argv = ["rasa", *argv, *(["--auth-token", token] if token else [])]
    from rasa.__main__ import main as rasa_main

    from bot.channels.kept_turns import install

    install()
    rasa_main()


if __name__ == "__main__":
    main(sys.argv[1:])
