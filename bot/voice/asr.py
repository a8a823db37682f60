"""Streaming speech recognition for one conversation over a shared Vosk model.

    recognizer = Recognizer.for_lang("en", 8000)   # None: no model, run keypad-first
    events = await asyncio.to_thread(recognizer.accept, pcm_chunk)

`accept()` takes chunks of 10 to 200 ms (Vosk reports at most one end of utterance per call) and
returns `AsrEvent`s: partial hypotheses as they change, and one final per utterance with its
words and a confidence (mean of the words' confidences). An utterance ends when Vosk's decoder
says so, when `EnergyEndpointer` hears enough trailing silence after speech, or on `finish()`.

Costs measured with the Korean small model (see bench/voice_bench.py): a free-recognition Vosk
recognizer spends about as much CPU on its first 2 s of speech as they last (it fills its share
of the decoding graph) and then runs at ~0.2 real time. Switching Vosk's own recognizer to a
phrase list and back would rebuild that graph, so a `Recognizer` keeps its free-recognition
Vosk recognizer for the whole conversation and makes a separate, cheap one (~1 ms) for each
phrase list. `RecognizerPool` (bot.voice.asr_pool) keeps recognizers warm between calls.

All calls block for milliseconds to seconds: from asyncio, run them with `asyncio.to_thread`.
One recognizer serves one conversation; its methods are serialised by a lock, and recognizers of
different conversations run in parallel threads (Vosk releases the GIL while decoding).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from bot.voice.audio import as_pcm, to_bytes
from bot.voice.endpoint import EndpointConfig, EnergyEndpointer
from bot.voice.models import ModelInfo, load_model, model_for

SUPPORTED_RATES = (8000, 16000)
UNKNOWN_WORD = "[unk]"

EndReason = Literal["vosk", "silence", "flush"]


@dataclass(frozen=True)
class Word:
    """A recognized word; times in seconds from the start of the recognizer's stream."""

    text: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class AsrEvent:
    """A partial hypothesis (no confidence) or a final result (confidence 0..1).

    A final with empty text is a no-match: speech was heard and nothing recognized.
    """

    kind: Literal["partial", "final"]
    text: str
    confidence: float | None = None
    words: tuple[Word, ...] = ()
    end_reason: EndReason | None = None

    @property
    def is_final(self) -> bool:
        return self.kind == "final"


def _final_event(result: dict[str, Any], reason: EndReason) -> AsrEvent:
    words = tuple(
        Word(str(item["word"]), float(item["start"]), float(item["end"]), float(item["conf"]))
        for item in result.get("result", ())
        if item.get("word") != UNKNOWN_WORD
    )
    text = " ".join(word.text for word in words)
    if not words:  # no word list (nothing decoded): the text minus [unk]
        text = " ".join(w for w in str(result.get("text", "")).split() if w != UNKNOWN_WORD)
    confidence = float(np.mean([w.confidence for w in words])) if words else 0.0
    return AsrEvent("final", text, min(1.0, max(0.0, confidence)), words, reason)


def joined(finals: Sequence[AsrEvent]) -> AsrEvent | None:
    """One final for the pieces of one utterance the recognizer ended separately (the caller
    paused, then went on): their words in order, the confidence over all of them."""
    if not finals:
        return None
    heard = [f for f in finals if f.text] or list(finals[-1:])
    if len(heard) == 1:
        return heard[0]
    words = tuple(w for f in heard for w in f.words)
    if words:
        confidence = float(np.mean([w.confidence for w in words]))
    else:
        confidence = min(f.confidence or 0.0 for f in heard)
    return AsrEvent("final", " ".join(f.text for f in heard), confidence, words,
                    heard[-1].end_reason)


class Recognizer:
    """One conversation's streaming recognizer (8 or 16 kHz) over a model loaded once."""

    def __init__(
        self,
        info: ModelInfo,
        sample_rate: int,
        *,
        endpoint: EndpointConfig | None = None,
        phrases: Sequence[str] | None = None,
        partials: bool = True,
    ) -> None:
        if sample_rate not in SUPPORTED_RATES:
            raise ValueError(f"sample rate {sample_rate}: use one of {SUPPORTED_RATES}")
        self.info = info
        self.sample_rate = sample_rate
        self._model = load_model(info)
        self._free = self._new_vosk(None)
        self._vosk = self._free  # the one in use: free, or the current phrase list's
        self._endpointer = EnergyEndpointer(sample_rate, endpoint)
        self._lock = threading.Lock()
        self._partial = ""
        self.partials = partials  # False: finals only (asking Vosk for partials costs ~6 %)
        self._phrases: tuple[str, ...] | None = None
        if phrases is not None:
            self.set_phrases(phrases)

    @classmethod
    def for_lang(cls, lang: str, sample_rate: int, **options: Any) -> Recognizer | None:
        """A recognizer for the model configured for `lang`; None means keypad-first."""
        info = model_for(lang)
        return None if info is None else cls(info, sample_rate, **options)

    @property
    def phrases(self) -> tuple[str, ...] | None:
        """The phrase list in force (None: free recognition)."""
        return self._phrases

    def accept(self, pcm: np.ndarray | bytes) -> list[AsrEvent]:
        """Feed a chunk of audio at `sample_rate`; the events it produced, in order."""
        pcm = as_pcm(pcm)
        with self._lock:
            events: list[AsrEvent] = []
            start = 0
            for end in self._endpointer.feed(pcm):
                finals_before = sum(e.is_final for e in events)
                events += self._decode(pcm[start:end])
                if sum(e.is_final for e in events) == finals_before:  # Vosk did not end it
                    events.append(self._finish_utterance("silence"))
                start = end
            events += self._decode(pcm[start:])
            return events

    def finish(self) -> list[AsrEvent]:
        """End of the stream (caller hung up, or stop listening): the last final, if any."""
        with self._lock:
            heard = self._endpointer.in_speech
            event = self._finish_utterance("flush")
            return [event] if event.text or heard else []

    def set_phrases(self, phrases: Sequence[str] | None) -> list[str]:
        """Restrict recognition to `phrases` (None: free recognition again); the phrases left out.

        Use where a menu expects a small set of answers (digits, yes/no, currency names). A phrase
        with a word the model does not know is left out (Vosk would silently drop the word);
        "[unk]" is added where the model has it, so that other speech is not forced onto a
        phrase. A model whose graph cannot take phrase lists keeps free recognition and all
        phrases are returned as left out. Call it between utterances: it ends the one in
        progress.
        """
        with self._lock:
            left_out: list[str] = []
            grammar: list[str] = []
            if phrases is not None:
                if not self.info.supports_phrases:
                    left_out = list(phrases)
                else:
                    for phrase in phrases:
                        words = phrase.split()
                        known = bool(words) and all(self._knows(word) for word in words)
                        (grammar if known else left_out).append(" ".join(words) or phrase)
            self._end_utterance(flush=False)
            if grammar:
                self._phrases = tuple(grammar)
                if self._knows(UNKNOWN_WORD):
                    grammar.append(UNKNOWN_WORD)
                self._vosk = self._new_vosk(grammar)
            else:
                self._phrases = None
                self._vosk = self._free
            return left_out

    def reset(self) -> None:
        """Drop the utterance in progress (e.g. the caller pressed a key); keeps the phrases."""
        with self._lock:
            # not Vosk's Reset(): it keeps the audio not yet decoded (up to a whole short word)
            # and decodes it into the next utterance
            self._end_utterance(flush=True)

    def _new_vosk(self, grammar: list[str] | None) -> Any:
        import vosk

        if grammar is None:
            recognizer = vosk.KaldiRecognizer(self._model, self.sample_rate)
        else:
            # ensure_ascii=False: Vosk takes \\u escapes literally and would drop every word
            phrases = json.dumps(grammar, ensure_ascii=False)
            recognizer = vosk.KaldiRecognizer(self._model, self.sample_rate, phrases)
        recognizer.SetWords(True)
        return recognizer

    def _knows(self, word: str) -> bool:
        return self._model.vosk_model_find_word(word) >= 0

    def _end_utterance(self, *, flush: bool) -> dict[str, Any]:
        """End Vosk's utterance; its result.

        Result() ends it where the decoder is and keeps the feature pipeline (its speaker
        adaptation) for the next utterance: the audio not yet decoded is trailing silence after
        an end of utterance. FinalResult() decodes everything; the next audio starts a fresh
        pipeline (the decoding graph's cache stays warm).
        """
        if flush:
            raw = self._vosk.FinalResult()
            self._vosk.Reset()  # Vosk keeps the last result's text until replaced: empty it
        else:
            raw = self._vosk.Result()
        self._endpointer.reset()
        self._partial = ""
        return dict(json.loads(raw))

    def _decode(self, pcm: np.ndarray) -> list[AsrEvent]:
        if pcm.size == 0:
            return []
        if self._vosk.AcceptWaveform(to_bytes(pcm)):
            event = _final_event(json.loads(self._vosk.Result()), "vosk")
            self._partial = ""
            if not event.text:  # Vosk also ends stretches of silence or noise: not an answer
                return []
            self._endpointer.reset()
            return [event]
        if not self.partials:
            return []
        partial = str(json.loads(self._vosk.PartialResult()).get("partial", ""))
        partial = " ".join(w for w in partial.split() if w != UNKNOWN_WORD)
        if partial and partial != self._partial:
            self._partial = partial
            return [AsrEvent("partial", partial)]
        return []

    def _finish_utterance(self, reason: EndReason) -> AsrEvent:
        return _final_event(self._end_utterance(flush=reason == "flush"), reason)
