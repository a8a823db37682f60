"""The action server (rasa_sdk), with every log record and printed line masked first.

The action server receives each conversation's whole tracker (what callers typed, slot values)
and rasa_sdk logs parts of it at DEBUG; `bot.security.log_masking` masks digit runs before
anything is written. rasa_sdk has no listen-address option: start it with SANIC_HOST set.

The log level follows `LOG_LEVEL`, the variable that sets the Rasa server's, unless a level flag
(`-v`, `-vv`, `--quiet`) is given.

    python -m bot.ops.action_server --actions actions --port 5055
"""

from __future__ import annotations

import os
import sys

from bot.security import log_masking

LEVEL_FLAGS = {"DEBUG": "--debug", "INFO": "--verbose", "WARNING": "--quiet",
               "ERROR": "--quiet"}
GIVEN_LEVEL = frozenset({"-v", "--verbose", "-vv", "--debug", "--quiet"})


def main(argv: list[str]) -> None:
    log_masking.install()
    level = LEVEL_FLAGS.get(os.environ.get("LOG_LEVEL", "").upper())
    if level and not GIVEN_LEVEL.intersection(argv):
        argv = [*argv, level]
    sys.argv = ["rasa_sdk", *argv]
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main(sys.argv[1:])
