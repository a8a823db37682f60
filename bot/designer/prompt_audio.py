"""How long the phone line's prompts sound: seconds of audio from the line's own synthesizer.

A caller hears every menu prompt in full unless they know the keys and press ahead, so the
length of a prompt is the time it costs them. The length of rendered audio is deterministic for a
text, voice and speaking rate (espeak-ng), so budgets on it are fair tests, not timed ones; the
benchmark `bench/prompt_audio_bench.py` adds the prompts heard on the way to each service.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from bot.i18n import LANGUAGES
from bot.menus import Menu, load_menus
from bot.voice.tts import DEFAULT_SAMPLE_RATE, Synthesizer

MAX_MENU_PROMPT_SECONDS = 12.0  # issue 15: every menu prompt, in both languages


def audio_seconds(pcm: np.ndarray, sample_rate: int = DEFAULT_SAMPLE_RATE) -> float:
    return len(pcm) / sample_rate


def spoken_seconds(synthesizer: Synthesizer, text: str, lang: str) -> float:
    """Seconds of audio the line plays for `text` in `lang` (fixed prompts come from the cache)."""
    return audio_seconds(synthesizer.render_blocking(text, lang, fixed=True))


def menu_prompt_seconds(synthesizer: Synthesizer, menus: Iterable[Menu] | None = None,
                        langs: Iterable[str] = LANGUAGES) -> dict[tuple[str, str], float]:
    """(menu name, language) -> seconds of its spoken prompt, every item announced (a caller
    offered fewer items hears less)."""
    chosen = list(load_menus().values() if menus is None else menus)
    return {(menu.name, lang): spoken_seconds(synthesizer, menu.spoken(lang), lang)
            for menu in chosen for lang in langs}
