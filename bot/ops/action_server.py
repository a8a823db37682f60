"""The action server: rasa_sdk's server with our actions, every log record and printed line
masked, the bank's work off the event loop and the bank's "temporarily unavailable" as a typed
answer.

    python -m bot.ops.action_server --actions actions --port 5055

- Logs: the action server receives each conversation's whole tracker (what callers typed, slot
  values) and rasa_sdk logs parts of it at DEBUG; `bot.security.log_masking` masks digit runs
  before anything is written. The level follows `LOG_LEVEL`, the variable that sets the Rasa
  server's, unless a level flag (`-v`, `-vv`, `--quiet`) is given.
- Database queries and PIN hashes (scrypt) run in a pool of `ACTION_THREADS` threads (the
  actions call the bank through `asyncio.to_thread`), so one slow request (a PIN check, a
  locked table) never holds up the turns of other conversations. The pool is as large as the
  bank's connection pool (`bot.bank.db.LIMITS.pool_size`): a thread never waits for a
  connection; beyond that many PIN checks at once, the next one waits for a free thread.
- `BankUnavailable` (bot.bank.db) is answered `503 {"error": "temporarily_unavailable"}` at
  once, with one log line: the Rasa server then apologises and keeps the turn
  (bot.channels.kept_turns). Any other failure is rasa_sdk's 500, treated the same there.

It listens on SANIC_HOST, by default loopback (rasa_sdk's own default, 0.0.0.0, faces the
network and would expose the bank's data).
"""

from __future__ import annotations

import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.bank.db import LIMITS, BankUnavailable
from bot.security import log_masking

logger = logging.getLogger(__name__)

ACTION_THREADS = int(os.environ.get("BOT_ACTION_THREADS", str(LIMITS.pool_size)))
LEVEL_FLAGS = {"DEBUG": "--debug", "INFO": "--verbose", "WARNING": "--quiet",
               "ERROR": "--quiet"}
GIVEN_LEVEL = frozenset({"-v", "--verbose", "-vv", "--debug", "--quiet"})


async def _unavailable(request: Request, error: BankUnavailable) -> HTTPResponse:
    try:
        action = (request.json or {}).get("next_action")
    except Exception:  # noqa: BLE001 (a compressed or odd body: the name is only for the log)
        action = None
    logger.warning("action %s: %s", action, error)
    return response.json({"error": "temporarily_unavailable", "action_name": action},
                         status=503)


async def _start_thread_pool(app: Sanic, loop: Any) -> None:
    loop.set_default_executor(ThreadPoolExecutor(ACTION_THREADS, thread_name_prefix="bank"))
    from actions.backend import backend

    await loop.run_in_executor(None, backend)  # keys and the first hash made before any turn


def action_app(package: str = "actions") -> Sanic:
    from rasa_sdk.endpoint import create_app

    app = create_app(package, cors_origins=None)
    app.exception(BankUnavailable)(_unavailable)
    app.register_listener(_start_thread_pool, "before_server_start")
    return app


def with_log_level(argv: list[str]) -> list[str]:
    """`argv` with LOG_LEVEL's flag added, unless a level flag is given already."""
    level = LEVEL_FLAGS.get(os.environ.get("LOG_LEVEL", "").upper())
    if level and not GIVEN_LEVEL.intersection(argv):
        return [*argv, level]
    return argv


def main(argv: list[str]) -> None:
    log_masking.install()
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser

    args = create_argument_parser().parse_args(with_log_level(argv))
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
                                 args.log_file, args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    action_app(args.actions).run(host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main(sys.argv[1:])
