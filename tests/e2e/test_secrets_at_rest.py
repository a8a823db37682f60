"""After conversations on every channel, no file the stack wrote holds a card number, PIN or
customer number (issue 11, 6).

A stack of its own (Rasa server, action server, SMTP sink and the SIP gateway `bot sip`), with
every log level an operator can set raised to DEBUG, takes: REST text users typing card numbers
plain, dashed and spaced, PINs at the prompt and in free text, secrets in message metadata (an
object, nested, and not an object); a signed voice conversation over REST that verifies and gets
a statement by email; 75 simultaneous messages on one conversation (a few served, the rest told
to send one at a time); a socket.io web chat; and a
keypad call through the SIP gateway that keys a card number and PIN. Then the review reports are
written (`bot export-conversations`, `bot low-confidence`) into the same folder, and every byte of
every file below it (tracker store with its WAL, bank database, logs, mail, reports) is searched.

Card numbers (16 digits, with or without separators) and customer numbers (9 digits) cannot occur
there by chance. PINs (4 digits) do, inside longer numbers (timestamps, confidences, ports), so a
PIN counts only as a token of its own: not next to another digit, letter, dot or separator.
`test_the_scan_sees_planted_secrets` shows that the scan finds each kind where it is.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.bank.access import CardKind
from bot.bank.demo import DEMO_CUSTOMERS, demo_customer
from bot.channels.in_flight import MAX_IN_FLIGHT
from bot.ops.stack import Stack, free_port, init_demo_bank, running, scratch_config
from bot.voice import g711
from tests.e2e.conftest import TRUST_KEY
from tests.sip.caller import Caller
from tests.support import Conversation, run_bot

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

ELIRA = demo_customer("registered_debit")
CARD = ELIRA.card(CardKind.DEBIT)
MIRELA = demo_customer("unregistered_credit").card(CardKind.CREDIT)
ARBEN = demo_customer("registered_credit")
DASHED = "-".join(CARD.number[i:i + 4] for i in range(0, 16, 4))


def secret_patterns() -> dict[str, re.Pattern[bytes]]:
    """Every demo card number (any separators), PIN (as a token) and customer number."""
    patterns = {}
    for customer in DEMO_CUSTOMERS:
        number = customer.customer_number.encode()
        patterns[f"customer number {customer.customer_number}"] = re.compile(
            rb"(?<![0-9])" + number + rb"(?![0-9])")
        for card in customer.cards:
            groups = [card.number[i:i + 4].encode() for i in range(0, 16, 4)]
            patterns[f"card number ending {card.last_four}"] = re.compile(
                rb"[ .\-]?".join(groups))
            patterns[f"PIN {card.pin}"] = re.compile(
                rb"(?<![0-9A-Za-z.+/:\-])" + card.pin.encode() + rb"(?![0-9A-Za-z.:])")
    return patterns


def find_secrets(folder: Path) -> list[str]:
    """Each secret found in the bytes of a file below `folder`, with a little context."""
    found = []
    patterns = secret_patterns()
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for name, pattern in patterns.items():
            match = pattern.search(data)
            if match:
                context = data[max(0, match.start() - 80):match.end() + 20]
                found.append(f"{name} in {path.relative_to(folder)}: {context!r}")
    return found


@pytest.fixture(scope="module")
def debug_stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("var-debug")
    config = scratch_config(folder, model, trust_key_hex=TRUST_KEY.hex())
    first_rtp = free_port() & ~1
    config.start_sip = True
    config.extra_env.update(
        LOG_LEVEL="DEBUG", LOG_LEVEL_LIBRARIES="DEBUG",
        BOT_SIP_PORT=str(free_port()), BOT_SIP_RTP_PORTS=f"{first_rtp}-{first_rtp + 10}")
    init_demo_bank(config)
    with running(config, timeout=600) as stack:  # a model load at DEBUG on a busy machine
        yield stack


def _to_card_prompt(conversation: Conversation) -> None:
    for key in ("/greet", "2", "1", "2"):  # English, individual, current accounts
        conversation.say(key)
    if conversation.custom("menu") == "accounts_method":
        conversation.say("1")  # card + PIN
    assert conversation.custom("collect")["slot"] == "card_number", conversation.replies


def _rest_users(url: str) -> None:
    dashed = Conversation(url)
    _to_card_prompt(dashed)
    dashed.say(DASHED)
    dashed.say(CARD.pin)
    assert "you are verified" in dashed.text()

    spaced = Conversation(url)
    _to_card_prompt(spaced)
    spaced.say(CARD.spaced, metadata={"language": "en", "note": CARD.number,
                                      "nested": {"pin": CARD.pin, "list": [MIRELA.number]}})
    spaced.say(f"my pin is {CARD.pin}", metadata={"language": MIRELA.number})
    assert spaced.status == 200

    free_text = Conversation(url)
    free_text.say("/greet")
    free_text.say(f"my card is {MIRELA.number} and the pin {MIRELA.pin}")
    free_text.say(f"hello {MIRELA.number[:8]} {MIRELA.number[8:]} {MIRELA.pin}",
                  metadata=[MIRELA.number, MIRELA.pin])
    assert free_text.status == 200


def _voice_over_rest(url: str, mail_dir: Path) -> None:
    call = Conversation(url, trust_key=TRUST_KEY, caller_id=ARBEN.phone)
    for key in ("/greet", "2", "1", "2", "2"):  # English, individual, accounts, customer number
        call.say(key)
    call.say(ARBEN.customer_number)
    assert "you are verified" in call.text()
    call.say("3")  # statement
    call.say("2")  # in euro: sent by email
    assert "statement of your" in call.text()
    assert list(mail_dir.glob("*.eml"))


def _simultaneous(url: str) -> None:
    """75 messages at once on one conversation at its card-number prompt: a few are served (in
    turn), the rest are answered at once "one message at a time" (bot/channels/in_flight.py)."""
    first = Conversation(url)
    _to_card_prompt(first)
    barrier = threading.Barrier(75)

    def send(index: int) -> tuple[int, str]:
        one = Conversation(url, sender=first.sender, timeout=120)
        text = (CARD.number, CARD.pin, f"pin {CARD.pin}", CARD.spaced, DASHED)[index % 5]
        barrier.wait()
        one.say(text, metadata={"language": "en", "card": CARD.number})
        return one.status, one.text()

    with ThreadPoolExecutor(max_workers=75) as pool:
        answers = list(pool.map(send, range(75)))
    served = [text for status, text in answers if status == 200]
    refused = [text for status, text in answers if status == 429]
    assert len(served) + len(refused) == 75 and served  # every one answered, none waits on
    assert len(refused) >= 75 - 2 * MAX_IN_FLIGHT  # a few may be served before all arrived
    assert set(refused) == {"Please wait for my answer before sending another message."}


def _web_chat(url: str) -> None:
    import socketio

    said: list[dict] = []
    confirmed: list[dict] = []
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", said.append)
    client.on("session_confirm", confirmed.append)
    client.connect(url, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": None})
        _wait(lambda: confirmed)
        metadata = {"language": "en", "card": CARD.number, "pin": CARD.pin}
        for text in ("/greet", "2", "1", "2", "1", DASHED, CARD.pin,
                     f"card {MIRELA.spaced} pin {MIRELA.pin}"):
            count = len(said)
            client.emit("user_uttered", {"message": text, "metadata": metadata})
            _wait(lambda: len(said) > count)  # noqa: B023 (waited for here)
            time.sleep(0.3)  # the turn's other replies
        assert any("you are verified" in event.get("text", "") for event in said), said
    finally:
        client.disconnect()


def _wait(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


async def _heard_out(caller: Caller, timeout: float = 30) -> None:
    """Until the gateway has said something new and then been quiet for 0.8 s."""
    start, spoke, quiet_since = len(caller.heard), False, None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        new = caller.heard[start:]
        start += len(new)
        loud = any(np.abs(g711.decode(payload, caller.codec).astype(np.int32)).max() > 500
                   for _, payload in new)
        if loud:
            spoke, quiet_since = True, None
        elif spoke and new:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 0.8:
                return
    raise TimeoutError("the gateway said nothing new")


def _keypad_call(sip_port: int) -> None:
    async def call() -> None:
        caller = Caller(("127.0.0.1", sip_port), number=ELIRA.phone)
        await caller.call()
        try:
            await _heard_out(caller)
            for keys in ("2", "1", "2", "1", CARD.number, CARD.pin):
                await caller.press_all(keys)
                await _heard_out(caller)
        finally:
            await caller.hangup()

    asyncio.run(call())


def _verified_by_call(bank: Path) -> bool:
    with sqlite3.connect(bank) as db:
        return db.execute(
            "SELECT count(*) FROM verification_attempts WHERE channel = 'voice' AND method ="
            " 'card_pin' AND outcome = 'verified' AND card_last_four = ?",
            (CARD.last_four,)).fetchone()[0] > 0


@pytest.fixture(scope="module")
def used_folder(debug_stack: Stack) -> Path:
    config = debug_stack.config
    url = config.rasa_url
    with ThreadPoolExecutor(max_workers=1) as background:
        simultaneous = background.submit(_simultaneous, url)  # meanwhile, the other channels
        _rest_users(url)
        _voice_over_rest(url, config.mail_dir)
        _web_chat(url)
        _keypad_call(int(config.extra_env["BOT_SIP_PORT"]))
        simultaneous.result()
    assert _verified_by_call(config.var_dir / "bank.db")
    reports = config.var_dir / "reports"
    env = config.environment()
    for args in (("export-conversations", "--out", str(reports / "stories")),
                 ("low-confidence", "--out", str(reports / "low-confidence.yml"))):
        completed = run_bot(*args, "--tracker-db", config.tracker_db, env=env)
        assert completed.returncode == 0, completed.stderr
    time.sleep(1)  # the last log lines
    return config.var_dir


def test_no_secret_in_any_file_the_stack_wrote(used_folder: Path) -> None:
    written = {path.relative_to(used_folder).as_posix() for path in used_folder.rglob("*")}
    for expected in ("tracker.db", "bank.db", "logs/rasa.log", "logs/actions.log",
                     "logs/sip.log", "reports/low-confidence.yml"):
        assert expected in written, sorted(written)
    assert any(name.startswith("mail/") for name in written)
    assert any(name.startswith("reports/stories/") for name in written)
    for log in ("rasa.log", "actions.log"):  # both servers did log at DEBUG
        assert " DEBUG " in (used_folder / "logs" / log).read_text(), log
    assert find_secrets(used_folder) == []
    readable = [name for name in written  # and nothing there is for anyone but its owner
                if (used_folder / name).stat().st_mode & 0o077]
    assert readable == []


def test_the_scan_sees_planted_secrets(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "x.log").write_text(
        f'{{"parse_data_text": "{DASHED}", "value": "{CARD.pin}"}} at 1796652589.{CARD.pin}1')
    (tmp_path / "mail.eml").write_bytes(f"customer {ARBEN.customer_number}\n".encode())
    (tmp_path / "clean.log").write_text(f"port :{CARD.pin} time 12{CARD.pin}3 id ab{CARD.pin}")
    found = find_secrets(tmp_path)
    assert [item.split(" in ")[0] for item in found] == [
        f"card number ending {CARD.last_four}", f"PIN {CARD.pin}",
        f"customer number {ARBEN.customer_number}"]
