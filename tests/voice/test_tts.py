"""Spoken replies: pyttsx3 on espeak-ng in worker processes, Albanian and English, fixed
prompts cached on disk and dynamic sentences rendered each time."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.voice.audio import frames, rms_dbfs
from bot.voice.prompt_cache import PromptCache, prompt_key
from bot.voice.tts import Synthesizer, TtsError

ESPEAK = shutil.which("espeak-ng")
pytestmark = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is installed by scripts/setup.sh")

SENTENCES = {
    "sq": "Mirë se vini në linjën e bankës. Bilanci juaj është dy mijë e treqind lekë.",
    "en": "Welcome to the bank's line. Your balance is two thousand three hundred euros.",
}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prompt-cache")


@pytest.fixture(scope="module")
def synth(cache_dir: Path) -> Iterator[Synthesizer]:
    with Synthesizer(cache=PromptCache(cache_dir), workers=2) as synthesizer:
        synthesizer.warm_up()
        yield synthesizer


def espeak_samples(text: str, voice: str, words_per_minute: int) -> int:
    """How many samples the espeak-ng command line renders for `text` (at 22,050 Hz)."""
    wav = subprocess.run(
        [str(ESPEAK), "-v", voice, "-s", str(words_per_minute), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    return (len(wav) - 44) // 2


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_renders_audible_speech_at_telephone_rate(synth: Synthesizer, lang: str) -> None:
    text = SENTENCES[lang]
    pcm = asyncio.run(synth.render(text, lang))
    assert pcm.dtype == np.int16
    seconds = len(pcm) / 8000
    words = len(text.split())
    assert 0.2 * words < seconds < 0.6 * words, seconds  # a normal speaking pace
    levels = [rms_dbfs(frame) for frame in frames(pcm, 8000, 20)]
    assert sum(level > -40 for level in levels) > 0.5 * len(levels)  # mostly speech
    assert max(levels) > -25


@pytest.mark.parametrize(("lang", "voice"), [("sq", "sq"), ("en", "en-gb")])
def test_voice_and_pace_are_the_ones_asked_for(synth: Synthesizer, lang: str, voice: str) -> None:
    # at the engine's own rate the render has exactly the espeak-ng command line's length:
    # the right voice at the right pace, nothing dropped at the end
    pcm = synth.render_blocking(SENTENCES[lang], lang, sample_rate=22050)
    assert len(pcm) == espeak_samples(SENTENCES[lang], voice, synth.words_per_minute)


def test_the_two_voices_differ(synth: Synthesizer) -> None:
    text = "Numri dy"
    albanian = synth.render_blocking(text, "sq")
    english = synth.render_blocking(text, "en")
    assert len(albanian) != len(english) or not np.array_equal(albanian, english)


def test_pyttsx3_finds_both_voices(synth: Synthesizer) -> None:
    languages = {lang for _, langs in synth.available_voices() for lang in langs}
    assert {"sq", "en-gb"} <= languages


def test_fixed_prompt_is_rendered_once_then_read_from_the_cache(
    synth: Synthesizer, cache_dir: Path
) -> None:
    text = "Për shërbimet e kartave, shtypni një."
    before = synth.renders
    first = synth.render_blocking(text, "sq", fixed=True)
    second = synth.render_blocking(text, "sq", fixed=True)
    assert synth.renders == before + 1
    assert np.array_equal(first, second)
    key = prompt_key(text, "sq", synth.words_per_minute, 8000)
    assert (cache_dir / f"{key}.wav").is_file()
    # a new process (empty memory) reads it from disk
    assert np.array_equal(PromptCache(cache_dir).get(key)[0], first)  # type: ignore[index]
    # another rate is another entry
    synth.render_blocking(text, "sq", fixed=True, sample_rate=16000)
    assert synth.renders == before + 2


def test_dynamic_sentences_are_rendered_each_time_and_never_stored(
    synth: Synthesizer, cache_dir: Path
) -> None:
    stored = set(cache_dir.iterdir())
    before = synth.renders
    text = "Bilanci juaj është 1.234,56 lekë."
    first = synth.render_blocking(text, "sq")
    second = synth.render_blocking(text, "sq")
    assert synth.renders == before + 2
    assert np.array_equal(first, second)  # a fresh process renders the same audio every time
    assert set(cache_dir.iterdir()) == stored


def test_render_runs_off_the_event_loop(synth: Synthesizer) -> None:
    async def scenario() -> tuple[int, list[np.ndarray]]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0)
                ticks += 1

        task = asyncio.create_task(ticker())
        rendered = await asyncio.gather(
            synth.render(SENTENCES["sq"], "sq"), synth.render(SENTENCES["en"], "en")
        )
        task.cancel()
        return ticks, list(rendered)

    ticks, rendered = asyncio.run(scenario())
    assert ticks > 10  # the loop kept running while the two renders were under way
    assert all(len(pcm) > 8000 for pcm in rendered)


def test_errors(synth: Synthesizer, cache_dir: Path) -> None:
    with pytest.raises(ValueError):
        synth.render_blocking("   ", "sq")
    with pytest.raises(TtsError, match="no voice configured"):
        synth.render_blocking("Tung", "de")
    bad = Synthesizer(cache=PromptCache(cache_dir), voices={"xx": "zz-none"}, workers=1)
    with bad, pytest.raises(TtsError, match="no voice for language 'zz-none'"):
        bad.render_blocking("Tung", "xx")
