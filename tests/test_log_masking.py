"""Logs never hold a PIN or a card number (issue 11, 6): `bot.security.log_masking`."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bot.config import PROJECT_ROOT
from bot.security.log_masking import mask_log_text

CARD = "4278301562188473"


def test_digit_runs_are_masked_addresses_times_and_ids_kept() -> None:
    line = ('2026-12-07 14:09:47 DEBUG rasa.core.processor - {"parse_data_text": '
            '"4278-3015-6218-8473 then 3958", "sender": "test-d42eb0ff8ef74ce4b45934e33b249601"}'
            ' from 127.0.0.1:5005 (File "x.py", line 1234) SlotSet(card_pin, 3 9 5 8)')
    masked = mask_log_text(line)
    assert "3958" not in masked and "3 9 5 8" not in masked and "8473" not in masked
    assert masked.startswith("2026-12-07 14:09:47 DEBUG")
    for kept in ("test-d42eb0ff8ef74ce4b45934e33b249601", "127.0.0.1:5005", "line 1234"):
        assert kept in masked


def test_a_process_with_masking_installed_logs_and_prints_no_secret() -> None:
    """Every path out of a process: a log record (with %-arguments, structlog-style JSON and a
    traceback), print(), a warning and an uncaught exception in a thread."""
    script = textwrap.dedent(f"""
        import json, logging, threading, warnings
        from bot.security import log_masking
        log_masking.install()
        logging.basicConfig(level=logging.DEBUG)
        log = logging.getLogger("rasa.core.processor")
        log.debug("Received user message '%s'", "{CARD}")
        log.debug(json.dumps({{"slot_candidates": {{"card_pin": "3958"}}}}))
        try:
            raise ValueError("bad value {CARD[:8]} {CARD[8:]}")
        except ValueError:
            log.exception("failed for pin %s", 3958)
        print("printed", "{CARD}", end="")
        print(" and 3958")
        warnings.warn("slot value 3958")
        thread = threading.Thread(target=lambda: 1 / int("{CARD}" and "0"))
        thread.start(); thread.join()
        raise SystemExit("exit with {CARD}")
    """)
    completed = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=60, check=False)
    output = completed.stdout + completed.stderr
    assert "Received user message" in output and "ZeroDivisionError" in output
    assert "printed" in output and "slot value" in output and "exit with" in output
    for secret in (CARD, "3958", CARD[:8], "8473"):
        assert secret not in output, output
