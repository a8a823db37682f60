"""Time to the answer by keys: the prompt audio a caller hears on the shortest key path to each
service, per language, and the length of every menu prompt.

    .venv/bin/python bench/prompt_audio_bench.py [--rasa-url URL]

Starts the assistant like the end-to-end tests do (Rasa server, action server, SMTP sink, a
fresh demo bank in a temporary folder) unless `--rasa-url` names a running one (which must
share this process's trust key: `BOT_TRUST_KEY`). Each path is a real call through
`VoiceSession` (keypad-first, a recording output, the real espeak-ng synthesizer) from the demo
customer's registered number, the caller waiting for each prompt to end before the next key (a
caller who does not know the keys; one who does presses ahead and cuts the prompts off).

Figures are seconds of audio rendered, not wall time: deterministic for the texts, voices and
speaking rate, so the machine's load does not change them.

- "before the answer": every prompt heard before the last key of the path (welcome, menus,
  questions for the card number, PIN or customer number, "you are verified");
- "answer": the first reply to the last key (the read-out, the summary or the hand-off notice).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.voice_turn_bench import assistant_stack  # noqa: E402
from bot.bank.access import CardKind  # noqa: E402
from bot.bank.demo import demo_customer  # noqa: E402
from bot.designer.prompt_audio import (  # noqa: E402
    MAX_MENU_PROMPT_SECONDS,
    audio_seconds,
    menu_prompt_seconds,
)
from bot.i18n import LANGUAGES  # noqa: E402
from bot.voice.assistant import AssistantClient  # noqa: E402
from bot.voice.call_io import CallerEvent  # noqa: E402
from bot.voice.prompt_cache import PromptCache  # noqa: E402
from bot.voice.recorded import RecordingOutput  # noqa: E402
from bot.voice.script import Keys, drive  # noqa: E402
from bot.voice.services import VoiceServices, VoiceSettings  # noqa: E402
from bot.voice.session import VoiceSession  # noqa: E402
from bot.voice.tts import Synthesizer  # noqa: E402

LANGUAGE_KEY = {"sq": "1", "en": "2"}
CARD = demo_customer("registered_credit")  # credit card: the card menu
ACCOUNTS = demo_customer("all_currencies")  # 14 accounts: the longest balances read-out
BUSINESS = demo_customer("business")


def paths() -> list[tuple[str, str, list[str]]]:
    """(service, caller's number, keys after the language key): the fewest keys to each
    service from a registered number (the accounts menu by customer number: 9 digits)."""
    card = CARD.card(CardKind.CREDIT)
    by_card = ["1", "1", card.number, card.pin]
    by_number = ["1", "2", "2", ACCOUNTS.customer_number]
    return [
        ("lost or stolen card (agent)", CARD.phone, ["0"]),
        ("credit limit and dues", CARD.phone, [*by_card, "1"]),
        ("last credit card transaction", CARD.phone, [*by_card, "2"]),
        ("card transactions by email", CARD.phone, [*by_card, "3"]),
        ("debit-linked account balance", ACCOUNTS.phone, [*by_number, "1"]),
        ("balances in all currencies", ACCOUNTS.phone, [*by_number, "2"]),
        ("statement by email (lek)", ACCOUNTS.phone, [*by_number, "3", "1"]),
        ("complaint (agent)", CARD.phone, ["1", "3"]),
        ("agent", CARD.phone, ["1", "0"]),
        ("POS technical support", BUSINESS.phone, ["2", "1"]),
        ("business: other information (agent)", BUSINESS.phone, ["2", "2"]),
    ]


async def one_path(assistant: AssistantClient, voice: VoiceServices, caller: str, lang: str,
                   keys: list[str]) -> tuple[float, float]:
    """(seconds heard before the last key, seconds of the first reply to it)."""
    output = RecordingOutput(8000)
    session = VoiceSession(assistant=assistant, output=output, caller_id=caller, services=voice)
    events: asyncio.Queue[CallerEvent] = asyncio.Queue()
    run = asyncio.ensure_future(session.run(events))
    steps = [Keys(LANGUAGE_KEY[lang]), *(Keys(k) for k in keys)]
    ended = await drive(session, events, steps, running=run, rate=8000)
    await run
    if len(ended) != len(steps):
        raise RuntimeError(f"the call ended after {len(ended)} of {len(steps)} steps")
    last = ended[-1]
    before = sum(audio_seconds(p.pcm) for p in output.played if p.started < last)
    after = [p for p in output.played if p.started >= last]
    return before, (audio_seconds(after[0].pcm) if after else 0.0)


async def bench(rasa_url: str, key: bytes, folder: Path) -> list[str]:
    synth = Synthesizer(cache=PromptCache(folder / "prompts"))
    assistant = AssistantClient(rasa_url, key)
    voice = VoiceServices(synth, VoiceSettings(), models={"sq": None, "en": None})
    lines = ["Menu prompts (seconds of audio, every item announced; budget "
             f"{MAX_MENU_PROMPT_SECONDS:g} s):", "", "| menu | sq | en |", "|---|---|---|"]
    try:
        prompts = await asyncio.to_thread(menu_prompt_seconds, synth)
        for name in dict.fromkeys(menu for menu, _ in prompts):
            lines.append(f"| {name} | " + " | ".join(f"{prompts[(name, lang)]:.1f}"
                                                   for lang in LANGUAGES) + " |")
        lines += ["", "Shortest key path to each service (seconds of audio heard):", "",
                  "| service | keys | sq before the answer | sq answer | en before the answer "
                  "| en answer |", "|---|---|---|---|---|---|"]
        for service, caller, keys in paths():
            cells = []
            for lang in LANGUAGES:
                before, answer = await one_path(assistant, voice, caller, lang, keys)
                cells += [f"{before:.1f}", f"{answer:.1f}"]
            shown = ", ".join(["L", *("digits" if len(k) > 1 else k for k in keys)])
            lines.append(f"| {service} | {shown} | " + " | ".join(cells) + " |")
    finally:
        await assistant.close()
        synth.close()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa-url", help="a running assistant (default: start one)")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with assistant_stack(folder / "var", args.rasa_url) as (url, key):
            lines = asyncio.run(bench(url, key, folder))
    print("\n".join(lines))
    print(f"\n(L = the language key; total {time.monotonic() - started:.0f} s wall clock)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
