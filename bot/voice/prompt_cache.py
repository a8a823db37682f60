"""Rendered fixed prompts on disk (`audio/cache/`, not in git), keyed by text, voice and rates.

Fixed prompts (menu texts, greetings) are rendered once and kept; sentences with per-call
content (amounts, dates, balances) are rendered each turn and never written here, so that no
customer's figures land on disk and the cache stays bounded by the set of fixed prompts.
Entries are WAV files named by the SHA-256 of (format, text, voice, speaking rate, sample
rate); a write goes to a temporary file first, so a reader never sees half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from bot.config import PROJECT_ROOT
from bot.voice.audio import read_wav, write_wav

DEFAULT_CACHE_DIR = PROJECT_ROOT / "audio" / "cache"
CACHE_FORMAT = 1  # bump when the rendering changes in a way the key does not show


def prompt_key(text: str, voice: str, words_per_minute: int, sample_rate: int) -> str:
    """The cache key (hex SHA-256) of a prompt rendered with `voice` at these rates."""
    fields = [CACHE_FORMAT, text, voice, words_per_minute, sample_rate]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


class PromptCache:
    """Rendered prompts on disk, the most used also in memory (thread-safe)."""

    def __init__(self, root: Path = DEFAULT_CACHE_DIR, memory_items: int = 256) -> None:
        self.root = Path(root)
        self.memory_items = memory_items
        self._memory: OrderedDict[str, tuple[np.ndarray, int]] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, key: str) -> Path:
        return self.root / f"{key}.wav"

    def get(self, key: str) -> tuple[np.ndarray, int] | None:
        """The PCM and sample rate stored under `key`, or None."""
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        try:
            entry = read_wav(self.path(key))
        except FileNotFoundError:
            return None
        return self._remember(key, entry)

    def put(self, key: str, pcm: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
        """Store `pcm` under `key`; the stored (read-only) entry."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.path(key)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=f".{key[:16]}.", suffix=".tmp")
        os.close(handle)
        try:
            write_wav(temporary, pcm, sample_rate)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return self._remember(key, (pcm, sample_rate))

    def _remember(self, key: str, entry: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
        pcm = entry[0].copy()
        pcm.flags.writeable = False  # shared by every caller that gets it
        entry = (pcm, entry[1])
        with self._lock:
            self._memory[key] = entry
            self._memory.move_to_end(key)
            while len(self._memory) > self.memory_items:
                self._memory.popitem(last=False)
        return entry
