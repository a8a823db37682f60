"""The spoken forms are read by espeak-ng (the assistant's TTS) at a normal speaking pace.

Skipped when espeak-ng is not installed. The words-only rule itself is checked in test_money; this
checks that espeak-ng takes the text without complaint and reads it at 0.2 to 0.6 seconds per
word (ours take 0.29 to 0.48): figures left in the text ("1.234,56") take two seconds a "word".
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from bot.i18n.currencies import CURRENCY_CODES
from bot.i18n.dates import say_date
from bot.i18n.money import say_amount
from bot.i18n.times import say_time

ESPEAK = shutil.which("espeak-ng")
pytestmark = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")

VOICES = {"sq": "sq", "en": "en-gb"}


def _spoken_seconds(text: str, lang: str, wav_path: Path) -> float:
    result = subprocess.run(
        [str(ESPEAK), "-v", VOICES[lang], "-w", str(wav_path), "--stdin"],
        input=text,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    with wave.open(str(wav_path)) as wav:
        return wav.getnframes() / wav.getframerate()


def _phrases() -> list[tuple[str, str]]:
    phrases = []
    for lang in ("sq", "en"):
        for code in CURRENCY_CODES:
            phrases.append((lang, say_amount(Decimal("-1234.56"), code, lang)))
        phrases.append((lang, say_date(date(2026, 11, 22), lang)))
        phrases.append((lang, say_time(time(14, 5), lang)))
    return phrases


@pytest.mark.parametrize(("lang", "text"), _phrases())
def test_espeak_reads_at_a_normal_pace(lang: str, text: str, tmp_path: Path) -> None:
    seconds = _spoken_seconds(text, lang, tmp_path / "phrase.wav")
    words = len(text.replace("-", " ").split())
    assert 0.2 * words < seconds < 0.6 * words, (text, seconds, words)
