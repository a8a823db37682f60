"""Menu turns while PINs are checked: is the action server's event loop free?

    .venv/bin/python bench/action_loop_bench.py [--bursts 8] [--pins 10] [--samples 40]

A PIN check costs a scrypt hash and database writes; if they ran on the action server's event
loop, every other conversation's turn would wait behind them. This starts the stack as
`bot run` does (Rasa server, action server, SMTP sink, a fresh demo bank in a temporary folder)
and measures, in one run:

- the baseline: menu turns with nothing else going on, both through Rasa's REST channel (a
  typed key: intent, action call, menu payload) and straight to the action server
  (`action_menu_key`, one webhook call: the action server alone);
- the same turns while `--pins` PIN checks reach the action server at the same moment,
  `--bursts` times: the call Rasa makes when a customer keys their PIN (`validate_card_form`
  with the card already taken, right PINs of the demo debit cards: scrypt, the card row locked,
  the audit written). They are sent straight to the action server, so the load is on the action
  server alone, not on Rasa's NLU. Every menu turn begun while PIN checks were still in flight
  counts, however long it then waited.

The figure that matters is the ratio of the medians under load and at rest, in the same run.
To measure another version the same way, copy this file into its checkout's bench/ and run it
there (it starts whatever action server that checkout's stack starts).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.shared.core.domain import Domain  # noqa: E402

from bot.bank.access import CardKind  # noqa: E402
from bot.bank.demo import DemoCard, demo_customer  # noqa: E402
from bot.bank.hashing import card_digest  # noqa: E402
from bot.config import PROJECT_ROOT  # noqa: E402
from bot.ops.stack import init_demo_bank, latest_model, running, scratch_config  # noqa: E402

# Demo customers whose cards verify with their PIN (one card per PIN conversation, in turn).
CARDS = [demo_customer(key).card(CardKind.DEBIT) for key in (
    "registered_debit", "registered_credit", "unregistered_debit", "no_email", "all_currencies")]
WALK = ["1", "*"]  # individual customers, back to the main menu


def post(url: str, body: dict) -> tuple[float, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback)
        answer = json.loads(response.read())
    return time.perf_counter() - start, answer


def say(rasa_url: str, sender: str, text: str) -> tuple[float, list]:
    return post(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})


def menu_action_call(sender: str, key: str) -> dict:
    """What Rasa sends the action server for a key pressed in the main menu."""
    return {"next_action": "action_menu_key", "sender_id": sender, "version": "3.6.21",
            "domain": {}, "tracker": {
                "sender_id": sender, "paused": False, "followup_action": None,
                "slots": {"menu": "main", "language": "en", "output_mode": "text"},
                "latest_message": {"text": key, "intent": {"name": "press_key", "confidence": 1},
                                   "entities": [{"entity": "digit", "value": key}]},
                "events": [], "active_loop": {}, "latest_action_name": "action_listen"}}


def pin_check_call(sender: str, card: DemoCard, card_key: bytes, domain: dict) -> dict:
    """What Rasa sends the action server when a customer has keyed the PIN of `card`."""
    token = f"dg:{card_digest(card.number, card_key)}:{card.number[-4:]}"
    return {"next_action": "validate_card_form", "sender_id": sender, "version": "3.6.21",
            "domain": domain, "tracker": {
                "sender_id": sender, "paused": False, "followup_action": None,
                "slots": {"card_token": token, "card_pin": card.pin, "requested_slot": "card_pin",
                          "verification_menu": "accounts", "language": "en",
                          "output_mode": "text", "verification_attempts": 0},
                "latest_message": {"text": card.pin, "entities": [],
                                   "intent": {"name": "inform_digits", "confidence": 1}},
                "events": [{"event": "user", "text": card.pin},
                           {"event": "slot", "name": "card_pin", "value": card.pin}],
                "active_loop": {"name": "card_form"}, "latest_action_name": "action_listen"}}


def ms(seconds: list[float]) -> dict[str, float]:
    values = sorted(value * 1000 for value in seconds)
    return {"n": len(values), "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(values[min(len(values) - 1, round(0.95 * (len(values) - 1)))], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=20)
    parser.add_argument("--pins", type=int, default=10, help="PIN checks at once per burst")
    parser.add_argument("--samples", type=int, default=40, help="baseline turns of each kind")
    args = parser.parse_args()
    model = latest_model()
    if model is None:
        sys.exit("no trained model: run `bot train` first")
    with tempfile.TemporaryDirectory(prefix="loop-bench-") as scratch:
        config = scratch_config(Path(scratch), model)
        init_demo_bank(config)
        with running(config):
            rasa, actions = config.rasa_url, f"http://127.0.0.1:{config.action_port}/webhook"
            walker = f"walk-{uuid.uuid4().hex}"
            say(rasa, walker, "/greet")
            say(rasa, walker, "2")
            turn = 0

            def menu_turns(rasa_times: list[float], direct_times: list[float]) -> None:
                nonlocal turn
                # the action server alone first: under load, it is the first to wait
                direct_times.append(post(actions, menu_action_call(walker, "1"))[0])
                rasa_times.append(say(rasa, walker, WALK[turn % 2])[0])
                turn += 1

            for _ in range(4):  # warm up
                menu_turns([], [])
            rest_rasa: list[float] = []
            rest_direct: list[float] = []
            for _ in range(args.samples):
                menu_turns(rest_rasa, rest_direct)

            busy_rasa: list[float] = []
            busy_direct: list[float] = []
            pin_times: list[float] = []
            card_key = bytes.fromhex(config.extra_env["BOT_CARD_KEY"])
            domain = Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()
            calls = [pin_check_call(f"pin-{index}", CARDS[index % len(CARDS)], card_key, domain)
                     for index in range(args.pins)]
            with ThreadPoolExecutor(args.pins) as pool:
                for _ in range(args.bursts):
                    gate = threading.Barrier(args.pins + 1)

                    def check(call: dict, gate: threading.Barrier = gate) -> float:
                        gate.wait()
                        elapsed, answer = post(actions, call)
                        if '"verified"' not in json.dumps(answer):
                            raise RuntimeError(f"PIN not verified: {answer}")
                        return elapsed

                    checks = [pool.submit(check, call) for call in calls]
                    gate.wait()
                    time.sleep(0.02)  # the PINs are on their way
                    while not all(check.done() for check in checks):  # begun under load
                        menu_turns(busy_rasa, busy_direct)
                    pin_times += [check.result() for check in checks]

    rows = {"menu turn via Rasa, at rest": ms(rest_rasa),
            "menu turn via Rasa, during PIN checks": ms(busy_rasa),
            "action_menu_key at the action server, at rest": ms(rest_direct),
            "action_menu_key at the action server, during PIN checks": ms(busy_direct),
            f"PIN check at the action server ({args.pins} at once)": ms(pin_times)}
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.node()}",
        "load_average_1m": round(os.getloadavg()[0], 2), "model": model.name, "rows": rows,
        "ratio_via_rasa": round(rows["menu turn via Rasa, during PIN checks"]["p50_ms"]
                                / rows["menu turn via Rasa, at rest"]["p50_ms"], 2),
        "ratio_action_server": round(
            rows["action_menu_key at the action server, during PIN checks"]["p50_ms"]
            / rows["action_menu_key at the action server, at rest"]["p50_ms"], 2)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
