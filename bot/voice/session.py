"""One phone call with the assistant: the caller's speech and keys in, spoken replies out.

    session = VoiceSession(assistant=assistant, output=output, caller_id="+355694102031",
                           services=services)
    outcome = await session.run(events)      # events: asyncio.Queue[CallerEvent]

The dialogue itself (what a key, speech or silence means; re-prompts, failures, barge-in) is
the pure state machine `bot.voice.dialogue.Dialogue`. This is its thin async driver: it waits
for the caller's events, the end of a prompt or the dialogue's deadline, turns caller audio into
speech events (voice-activity detection, then recognition of the speech only, on the services'
recognition pool), and carries out the dialogue's actions: playing, sending to the assistant,
transferring, hanging up.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Iterable

import numpy as np

from bot.i18n import DEFAULT_LANGUAGE
from bot.voice.asr import AsrEvent, Recognizer, joined
from bot.voice.assistant import AssistantClient, AssistantError
from bot.voice.audio import samples_for
from bot.voice.call_io import CallerAudio, CallerEvent, CallerHangup, CallerKey, CallOutput
from bot.voice.dialogue import (
    GREETING,
    Action,
    Dialogue,
    DropSpeech,
    HangUp,
    Listen,
    Play,
    Send,
    SessionOutcome,
    StopListening,
    StopPlayback,
    TranscriptLine,
    Transfer,
    UseLanguage,
)
from bot.voice.services import VoiceServices
from bot.voice.turns import Utterance, read_turn
from bot.voice.vad import (
    SpeechAudio,
    SpeechDetector,
    SpeechEnd,
    SpeechPause,
    SpeechResume,
    SpeechStart,
)

__all__ = ["GREETING", "SessionOutcome", "TranscriptLine", "VoiceSession"]

log = logging.getLogger(__name__)

MAX_BATCH_MS = 200  # caller audio waiting in the queue is handled in one go, up to this
# speech goes to the recognizer 100 ms at a time (Vosk costs ~15 % less than fed 20 ms at a
# time, five times fewer hops to the pool); the end of an utterance passes the rest at once
RECOGNIZE_MS = 100


def _accept_and_finish(recognizer: Recognizer, pcm: np.ndarray) -> list[AsrEvent]:
    return [*(recognizer.accept(pcm) if len(pcm) else []), *recognizer.finish()]


class VoiceSession:
    """Runs one call; see the module docstring."""

    def __init__(
        self,
        *,
        assistant: AssistantClient,
        output: CallOutput,
        caller_id: str | None,
        services: VoiceServices,
        conversation_id: str | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.assistant = assistant
        self.output = output
        self.caller_id = caller_id
        self.services = services
        self.sender = conversation_id or f"voice-{uuid.uuid4().hex}"
        self.dialogue = Dialogue(services.settings, services.key_words, language)
        # set while the session waits for the caller (nothing playing, nothing in flight): a
        # cue for drivers that act on prompts (recorded calls, tests, benchmarks)
        self.listening = asyncio.Event()
        self._detector = SpeechDetector(output.sample_rate, services.vad)
        self._recognizer: Recognizer | None = None
        self._recognizer_lang: str | None = None
        self._phrases: tuple[str, ...] | None = None
        self._hearing = True  # caller audio counts (not while a hand-off is announced)
        self._closed = False  # a closed set is asked for: a short quiet ends an utterance
        self._speech: list[np.ndarray] = []  # speech not yet passed to the recognizer
        # the caller paused (SpeechPause): the recognizer's utterance is finished and its
        # finals wait in `_early` for the end of speech; the audio since is held, not decoded,
        # and goes to the recognizer only if speech resumes
        self._paused = False
        self._early: list[AsrEvent] = []
        self._playing: asyncio.Task[bool] | None = None
        self._stop = False
        self._pending: deque[CallerEvent] = deque()
        self._getter: asyncio.Task[CallerEvent] | None = None

    # --- what drivers and tests look at ------------------------------------------------------

    @property
    def transcript(self) -> list[TranscriptLine]:
        return self.dialogue.transcript

    @property
    def language(self) -> str:
        return self.dialogue.language

    @property
    def prompt_count(self) -> int:
        """How many times the session started speaking (a turn or a re-prompt)."""
        return self.dialogue.prompt_count

    @property
    def hears_speech(self) -> bool:
        """False on a keypad-only line: no speech model for the conversation's language."""
        return self._recognizer is not None

    @property
    def awaiting(self) -> str | None:
        """What the caller is asked for now: "menu:<name>", "collect:<slot>", or None."""
        return self.dialogue.awaiting

    # --- the call ----------------------------------------------------------------------------

    async def run(self, events: asyncio.Queue[CallerEvent]) -> SessionOutcome:
        """Hold the call until it ends; how it ended."""
        try:
            await self._do(self.dialogue.start(self._now()))
            while self.dialogue.outcome is None:
                await self._step(events)
        except AssistantError as error:
            log.warning("call %s: %s", self.sender, error)
            await self._do(self.dialogue.on_assistant_error())
        except Exception:
            log.exception("call %s failed", self.sender)
            await self._do(self.dialogue.on_error())
        finally:
            await self._cleanup()
        outcome = self.dialogue.outcome
        assert outcome is not None
        outcome.turns = self.dialogue.turns
        return outcome

    async def _step(self, events: asyncio.Queue[CallerEvent]) -> None:
        if self._pending:
            await self._on_event(self._pending.popleft(), events)
            return
        if self._getter is None:
            self._getter = asyncio.ensure_future(events.get())
        waits: set[asyncio.Future] = {self._getter}
        if self._playing is not None:
            waits.add(self._playing)
        deadline = self.dialogue.deadline
        timeout = None if deadline is None else max(0.0, deadline - self._now())
        done, _ = await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if self._playing is not None and self._playing in done:
            task, self._playing = self._playing, None
            task.result()  # a synthesis error ends the call (run() says sorry if it can)
            await self._do(self.dialogue.on_played(self._now()))
        elif self._getter in done:
            event, self._getter = self._getter.result(), None
            await self._on_event(event, events)
        elif not done:
            await self._do(self.dialogue.on_timeout(self._now()))

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def _on_event(self, event: CallerEvent, events: asyncio.Queue[CallerEvent]) -> None:
        if isinstance(event, CallerHangup):
            self.output.interrupt()
            await self._do(self.dialogue.on_hangup())
        elif isinstance(event, CallerKey):
            await self._do(self.dialogue.on_key(event.key, self._now()))
        elif isinstance(event, CallerAudio):
            await self._on_audio(self._batch(event.pcm, events))

    def _batch(self, pcm: np.ndarray, events: asyncio.Queue[CallerEvent]) -> np.ndarray:
        """`pcm` and the caller audio queued behind it (up to MAX_BATCH_MS), in one array."""
        limit = samples_for(MAX_BATCH_MS, self.output.sample_rate)
        parts, size = [pcm], len(pcm)
        while size < limit and not events.empty() and self._getter is None:
            event = events.get_nowait()
            if not isinstance(event, CallerAudio):
                self._pending.append(event)
                break
            parts.append(event.pcm)
            size += len(event.pcm)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    # --- hearing the caller ------------------------------------------------------------------

    async def _on_audio(self, pcm: np.ndarray) -> None:
        """Voice activity first; only speech is recognized."""
        if not self._hearing:
            return
        for vad in self._detector.feed(pcm):
            if self.dialogue.outcome is not None or not self._hearing:
                return
            if isinstance(vad, SpeechStart):
                await self._do(self.dialogue.on_speech_start(self._now()))
                await self._recognize(vad.pcm)
            elif isinstance(vad, SpeechAudio):
                await self._recognize(vad.pcm)
            elif isinstance(vad, SpeechPause):
                await self._finish_early()
            elif isinstance(vad, SpeechResume):
                self._paused = False  # the held audio goes to the recognizer with what follows
            elif isinstance(vad, SpeechEnd):
                await self._finish_utterance()
                await self._do(self.dialogue.on_speech_end(self._now()))
        quiet = self.services.vad.closed_set_silence_ms
        if (self._closed and quiet is not None and self._recognizer is not None
                and self._detector.in_speech and self._detector.trailing_quiet_ms >= quiet):
            self._detector.reset()
            await self._finish_utterance()

    async def _recognize(self, pcm: np.ndarray) -> None:
        if self._recognizer is None:
            return
        self._speech.append(pcm)
        if self._paused:
            return
        if sum(map(len, self._speech)) >= samples_for(RECOGNIZE_MS, self.output.sample_rate):
            await self._asr_events(await self.services.recognize(self._recognizer.accept,
                                                                 self._held()))

    def _held(self) -> np.ndarray:
        """The speech held back for the recognizer, taken."""
        held, self._speech = self._speech, []
        return np.concatenate(held) if held else np.zeros(0, dtype=np.int16)

    async def _finish_early(self) -> None:
        """The caller paused: finish the recognizer's utterance now, while the trailing silence
        is counted, so that the end of speech finds the final decoded (speculative: if speech
        resumes, this part's words open the utterance's final)."""
        self._paused = True
        if self._recognizer is not None:
            found = await self.services.recognize(_accept_and_finish, self._recognizer,
                                                  self._held())
            self._early += [event for event in found if event.is_final]

    async def _finish_utterance(self) -> None:
        if self._recognizer is None:
            return
        if self._paused:  # decoded at the pause; what was held since is the trailing silence
            found: list[AsrEvent] = []
            self._speech, self._paused = [], False
        else:
            found = await self.services.recognize(_accept_and_finish, self._recognizer,
                                                  self._held())
        if not any(event.is_final for event in found):
            early, self._early = joined(self._early), []
            found = [early] if early is not None else []
        await self._asr_events(found)

    async def _asr_events(self, found: Iterable[AsrEvent]) -> None:
        for event in found:
            if self.dialogue.outcome is not None or self._recognizer is None:
                return
            if event.is_final:  # partials are not acted on: a short quiet ends a closed set
                final, self._early = joined([*self._early, event]), []
                assert final is not None
                await self._do(self.dialogue.on_heard(final.text, final.confidence,
                                                      self._now()))

    def _forget_speech(self) -> None:
        """Drop the speech in progress: held audio and early finals."""
        self._speech, self._early, self._paused = [], [], False

    # --- carrying out the dialogue's actions -------------------------------------------------

    async def _do(self, actions: Iterable[Action]) -> None:
        todo = deque(actions)
        while todo:
            action = todo.popleft()
            todo.extend(await self._act(action))
        if self.dialogue.listening and self._playing is None:
            self.listening.set()
        else:
            self.listening.clear()

    async def _act(self, action: Action) -> list[Action]:
        """Carry out one action; the actions the dialogue answers its result with."""
        if isinstance(action, Send):
            self.listening.clear()
            replies = await self.assistant.send(self.sender, action.message, self.caller_id,
                                                extra_metadata={"language": action.lang})
            return self.dialogue.on_reply(read_turn(replies), self._now())
        if isinstance(action, Play):
            self._play(action)
        elif isinstance(action, StopPlayback):
            await self._stop_playing()
        elif isinstance(action, Listen):
            self._hearing, self._closed = True, action.closed
            await self._set_phrases(action.phrases)
        elif isinstance(action, StopListening):
            self._hearing = False
            self._detector.reset()
            self._forget_speech()
        elif isinstance(action, DropSpeech):
            self._detector.reset()
            self._forget_speech()
            if self._recognizer is not None:
                await self.services.recognize(self._recognizer.reset)
        elif isinstance(action, UseLanguage):
            await self._use_language(action.lang)
        elif isinstance(action, Transfer):
            result = await self.output.transfer(action.queue)
            return self.dialogue.on_transfer_result(result == "transferred")
        elif isinstance(action, HangUp):
            await self._hang_up(action)
        return []

    async def _use_language(self, lang: str) -> None:
        """Recognize `lang` from now on (another model's recognizer if need be)."""
        if self._recognizer_lang != lang:
            await self._release_recognizer()
            self._recognizer = await self.services.acquire_recognizer(
                lang, self.output.sample_rate)
            self._phrases = None
            self._recognizer_lang = lang if self._recognizer is not None else None
        self.dialogue.set_hears_speech(self._recognizer is not None)

    async def _set_phrases(self, phrases: tuple[str, ...] | None) -> None:
        if self._recognizer is not None and phrases != self._phrases:
            self._phrases = phrases
            self._forget_speech()  # it ends the utterance in progress
            await self.services.recognize(self._recognizer.set_phrases, phrases)

    def _play(self, play: Play) -> None:
        self._stop = False
        self._playing = asyncio.ensure_future(self._play_all(play.utterances, play.lang))

    async def _play_all(self, utterances: tuple[Utterance, ...], lang: str) -> bool:
        """Render all at once (the synthesizer works in parallel), play in order."""
        rate = self.output.sample_rate
        synth = self.services.synthesizer
        renders = [asyncio.ensure_future(synth.render(u.text, lang, sample_rate=rate,
                                                      fixed=u.fixed)) for u in utterances]
        try:
            for render in renders:
                pcm = await render
                if self._stop or not await self.output.play(pcm):
                    return False
            return True
        finally:
            for render in renders:
                render.cancel()

    async def _stop_playing(self) -> None:
        """Barge-in (or the end of the call): cut off what is being said."""
        if self._playing is None:
            return
        self._stop = True
        self.output.interrupt()
        task, self._playing = self._playing, None
        await asyncio.gather(task, return_exceptions=True)

    async def _hang_up(self, action: HangUp) -> None:
        """Say the notice (if the synthesizer still works), then hang up."""
        try:
            if action.notice is not None:
                pcm = await self.services.synthesizer.render(
                    action.notice, action.lang, sample_rate=self.output.sample_rate, fixed=True)
                await self.output.play(pcm)
            await self.output.hangup()
        except Exception:
            log.exception("call %s: could not end the call cleanly", self.sender)

    # --- clean-up ----------------------------------------------------------------------------

    async def _release_recognizer(self) -> None:
        self._forget_speech()
        if self._recognizer is not None and self._recognizer_lang is not None:
            recognizer, lang = self._recognizer, self._recognizer_lang
            self._recognizer = self._recognizer_lang = None
            await asyncio.to_thread(self.services.release_recognizer, lang, recognizer)

    async def _cleanup(self) -> None:
        self.listening.clear()
        if self._getter is not None:
            self._getter.cancel()
            self._getter = None
        if self._playing is not None:
            self._playing.cancel()
            await self._stop_playing()
        await self._release_recognizer()
