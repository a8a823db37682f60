"""One phone call with the assistant: the caller's speech and keys in, spoken replies out.

    session = VoiceSession(assistant=assistant, output=output, caller_id="+355694102031",
                           services=services)
    outcome = await session.run(events)      # events: asyncio.Queue[CallerEvent]

The session greets the assistant (so the caller hears the language menu), then turns each
thing the caller does into one message: a key of the menu being heard sends that key's payload,
a digit string asked for (`collect`) is gathered with a `DigitCollector` and sent whole, speech
is recognized in the conversation's language (when a model is configured) and sent as text.
Replies are spoken as they arrive; a key or the start of speech cuts them off (barge-in).

Silence after a prompt (no-input) and speech that was not recognized (no-match) repeat the last
question; after `max_failures` in a row the session asks the assistant for an agent, and the
hand-off transfers the call. In the language menu, silence chooses its default (Albanian).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.menus import KEYS
from bot.voice.asr import AsrEvent, Recognizer
from bot.voice.assistant import AssistantClient, AssistantError
from bot.voice.audio import samples_for
from bot.voice.call_io import CallerAudio, CallerEvent, CallerHangup, CallerKey, CallOutput
from bot.voice.digit_collector import DIGITS, DigitCollector, DigitResult
from bot.voice.phrases import title_words
from bot.voice.prompts import NOT_UNDERSTOOD, SERVICE_DOWN, TRANSFER_FAILED, prompt
from bot.voice.services import VoiceServices
from bot.voice.turns import Handoff, Turn, Utterance, read_turn

log = logging.getLogger(__name__)

EndedBy = Literal["caller", "transfer", "transfer_failed", "hangup", "error"]
GREETING = "/greet"
MAX_BATCH_MS = 200  # caller audio waiting in the queue is recognized in one go, up to this


@dataclass
class SessionOutcome:
    """How the call ended. `turns`: messages sent to the assistant, the greeting included."""

    ended_by: EndedBy
    queue: str | None = None
    turns: int = 0


@dataclass(frozen=True)
class TranscriptLine:
    """One line of the call: who, what (secret digits masked), and how the caller gave it."""

    who: Literal["caller", "assistant"]
    text: str
    via: Literal["key", "speech", "digits", "auto", "reply"]


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
        self.settings = services.settings
        self.sender = conversation_id or f"voice-{uuid.uuid4().hex}"
        self.language = language
        self.transcript: list[TranscriptLine] = []
        # set while the session waits for the caller (nothing playing, nothing in flight): a
        # cue for drivers that act on prompts (recorded calls, tests, benchmarks)
        self.listening = asyncio.Event()
        # how many times the session started speaking (a turn or a re-prompt): with `listening`,
        # tells such a driver that the session reacted to what it sent
        self.prompt_count = 0
        self._turn = Turn()
        self._prompt: tuple[Utterance, ...] = ()
        self._recognizer: Recognizer | None = None
        self._recognizer_lang: str | None = None
        self._phrases: list[str] | None = None  # the phrase list asked of the recognizer
        self._collector: DigitCollector | None = None
        self._playing: asyncio.Task[bool] | None = None
        self._barge_in = True
        self._stop = False
        self._no_input_at: float | None = None
        self._failures = 0
        self._turns = 0
        self._pending: deque[CallerEvent] = deque()
        self._getter: asyncio.Task[CallerEvent] | None = None
        self._outcome: SessionOutcome | None = None

    @property
    def hears_speech(self) -> bool:
        """False on a keypad-first line: no speech model for the conversation's language."""
        return self._recognizer is not None

    @property
    def awaiting(self) -> str | None:
        """What the caller is asked for now: "menu:<name>", "collect:<slot>", or None."""
        if self._turn.collect:
            return f"collect:{self._turn.collect.slot}"
        if self._turn.menu:
            return f"menu:{self._turn.menu.name}"
        return None

    # --- the call ----------------------------------------------------------------------------

    async def run(self, events: asyncio.Queue[CallerEvent]) -> SessionOutcome:
        """Hold the call until it ends; how it ended."""
        try:
            await self._use_language(self.language)
            await self._send(GREETING, via="auto")
            while self._outcome is None:
                await self._step(events)
        except AssistantError as error:
            log.warning("call %s: %s", self.sender, error)
            await self._end_with(SERVICE_DOWN, "error")
        except Exception:
            log.exception("call %s failed", self.sender)
            await self._end_with(None, "error")
        finally:
            await self._cleanup()
        assert self._outcome is not None
        self._outcome.turns = self._turns
        return self._outcome

    async def _step(self, events: asyncio.Queue[CallerEvent]) -> None:
        if self._pending:
            await self._on_event(self._pending.popleft(), events)
            return
        if self._getter is None:
            self._getter = asyncio.ensure_future(events.get())
        waits: set[asyncio.Future] = {self._getter}
        if self._playing is not None:
            waits.add(self._playing)
        timeout = self._time_left()
        done, _ = await asyncio.wait(waits, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if self._playing is not None and self._playing in done:
            await self._after_playing()
        elif self._getter in done:
            event, self._getter = self._getter.result(), None
            await self._on_event(event, events)
        elif not done:
            await self._on_timeout()

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _time_left(self) -> float | None:
        if self._playing is not None:
            return None
        deadline = self._collector.deadline if self._collector else self._no_input_at
        return None if deadline is None else max(0.0, deadline - self._now())

    # --- what the caller does ----------------------------------------------------------------

    async def _on_event(self, event: CallerEvent, events: asyncio.Queue[CallerEvent]) -> None:
        if isinstance(event, CallerHangup):
            self.output.interrupt()
            self._outcome = SessionOutcome("caller")
        elif isinstance(event, CallerKey):
            await self._on_key(event.key)
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

    async def _on_key(self, key: str) -> None:
        if key not in KEYS:
            return  # A-D: no customer's phone has them
        if self._playing is not None:
            if not self._barge_in:
                return  # a hand-off or goodbye is heard out
            await self._stop_playing()
        self._no_input_at = None
        if self._recognizer is not None:
            await asyncio.to_thread(self._recognizer.reset)  # a key ends any speech
        if self._turn.collect is not None:
            await self._collect_digits(key)
            return
        menu = self._turn.menu
        self._note("caller", key, "key")
        if menu is not None and key in menu.keys:
            await self._send(menu.keys[key], via="key")
        elif menu is not None:  # not a key of this menu: the assistant says so and repeats it
            if not await self._count_failure():
                await self._send(key, via="key", success=False)
        else:  # no menu in view: the assistant maps a typed digit to where the caller is
            await self._send(key, via="key")

    async def _collect_digits(self, *keys: str) -> None:
        now = self._now()
        if self._collector is None:
            self._collector = self._new_collector(now)
        for key in keys:
            result = self._collector.feed(key, now)
            if result is not None:
                await self._collected(result)
                return
        self._arm()

    def _new_collector(self, now: float) -> DigitCollector:
        collect = self._turn.collect
        assert collect is not None
        return DigitCollector(
            started_at=now,
            length=collect.digits,
            first_digit_timeout=self.settings.first_digit_timeout,
            inter_digit_timeout=self.settings.inter_digit_timeout,
        )

    async def _collected(self, result: DigitResult) -> None:
        self._collector = None
        if result.status == "cancelled":
            self._replay(())  # "*": start the number again
        elif result.digits:  # complete, or a timeout after some digits: the assistant checks
            collect = self._turn.collect
            secret = collect is not None and collect.secret
            self._note("caller", "•" * len(result.digits) if secret else result.digits, "digits")
            await self._send(result.digits, via="digits")
        else:
            await self._no_input()

    async def _on_audio(self, pcm: np.ndarray) -> None:
        if self._recognizer is None or (self._playing is not None and not self._barge_in):
            return  # keypad-first line, or a hand-off being announced
        for event in await asyncio.to_thread(self._recognizer.accept, pcm):
            if self._outcome is not None or self._recognizer is None:
                return
            if not event.is_final:
                await self._on_speech_start()
            else:
                await self._heard(event)

    async def _on_speech_start(self) -> None:
        # the caller is talking: give the utterance time to end (a partial that never becomes a
        # final, e.g. line noise, still ends in a no-input)
        if self._turn.collect is None:
            self._no_input_at = self._now() + self.settings.no_input_timeout
        self.listening.clear()
        if self._playing is not None:
            await self._stop_playing()

    async def _heard(self, event: AsrEvent) -> None:
        collect = self._turn.collect
        shown = "•••" if collect is not None and collect.secret else event.text  # a spoken PIN
        if not event.text or (event.confidence or 0.0) < self.settings.min_confidence:
            self._note("caller", shown or "…", "speech")
            await self._no_match()
            return
        self._note("caller", shown, "speech")
        langs = self._key_langs()
        words = self.services.key_words
        if self._turn.collect is not None:
            digits = words.digits_of(event.text, langs)
            if digits:
                await self._collect_digits(*digits)
                return
        elif self._turn.menu is not None:
            key = words.key_of(event.text, langs) or title_words(self._turn.menu.name, langs).get(
                event.text.strip().lower())
            if key is not None and key in self._turn.menu.keys:
                await self._send(self._turn.menu.keys[key], via="speech")
                return
        await self._send(event.text, via="speech")

    def _key_langs(self) -> tuple[str, ...]:
        """Languages whose words count as keys: both in the bilingual language menu."""
        menu = self._turn.menu
        if menu is not None and menu.default_key is not None:
            return tuple(LANGUAGES)
        return (self.language,)

    async def _on_timeout(self) -> None:
        if self._collector is not None:
            result = self._collector.poll(self._now())
            if result is not None:
                await self._collected(result)
            return
        self._no_input_at = None
        await self._no_input()

    async def _no_input(self) -> None:
        menu = self._turn.menu
        if menu is not None and menu.default_key in menu.keys:
            await self._send(menu.keys[menu.default_key], via="auto")  # language menu: Albanian
        else:
            await self._fail(None)

    async def _no_match(self) -> None:
        await self._fail(NOT_UNDERSTOOD)

    async def _fail(self, notice: dict[str, str] | None) -> None:
        if await self._count_failure():
            return
        lead = (Utterance(prompt(notice, self.language), fixed=True),) if notice else ()
        self._collector = None
        self._replay(lead)

    async def _count_failure(self) -> bool:
        """One more failure in a row; at the limit the caller is sent to an agent (True)."""
        self._failures += 1
        if self._failures < self.settings.max_failures:
            return False
        await self._ask_for_agent()
        return True

    async def _ask_for_agent(self) -> None:
        self._failures = 0
        await self._send(self.settings.agent_message, via="auto", success=False)

    def _replay(self, lead: tuple[Utterance, ...]) -> None:
        """Say the last question again (after `lead`); the caller is still asked the same."""
        self._speak(lead + self._prompt, barge_in=True)

    # --- the assistant -----------------------------------------------------------------------

    async def _send(self, message: str, *, via: str, success: bool = True) -> None:
        self.listening.clear()
        self._no_input_at = None
        self._collector = None
        if success:
            self._failures = 0
        self._turns += 1
        replies = await self.assistant.send(self.sender, message, self.caller_id,
                                            extra_metadata={"language": self.language})
        await self._begin(read_turn(replies))

    async def _begin(self, turn: Turn) -> None:
        self._turn = turn
        if turn.lang in LANGUAGES and turn.lang != self.language:
            await self._use_language(turn.lang)  # type: ignore[arg-type]
        if turn.menu is not None or turn.collect is not None:
            self._prompt = turn.prompt
        await self._listen_for(turn)
        self._speak(turn.utterances, barge_in=turn.handoff is None and not turn.goodbye)

    async def _use_language(self, lang: str) -> None:
        """Speak and recognize `lang` from now on (another model's recognizer if need be)."""
        self.language = lang
        if self._recognizer_lang == lang:
            return
        await self._release_recognizer()
        rate = self.output.sample_rate
        self._recognizer = await self.services.acquire_recognizer(lang, rate)
        self._phrases = None
        self._recognizer_lang = lang if self._recognizer is not None else None

    async def _listen_for(self, turn: Turn) -> None:
        """A phrase list where the answer is a closed set: digits, or the language menu."""
        if self._recognizer is None:
            return
        words = self.services.key_words
        phrases: list[str] | None = None
        if turn.collect is not None:
            phrases = words.phrases(DIGITS, (self.language,))
        elif turn.menu is not None and turn.menu.default_key is not None:
            langs = tuple(LANGUAGES)
            phrases = sorted(set(words.phrases(turn.menu.keys, langs))
                             | set(title_words(turn.menu.name, langs)))
        phrases = phrases or None
        if phrases != self._phrases:
            self._phrases = phrases
            await asyncio.to_thread(self._recognizer.set_phrases, phrases)

    # --- speaking ----------------------------------------------------------------------------

    def _speak(self, utterances: tuple[Utterance, ...], *, barge_in: bool) -> None:
        for utterance in utterances:
            self._note("assistant", utterance.text, "reply")
        self.listening.clear()
        self.prompt_count += 1
        self._barge_in = barge_in
        self._stop = False
        self._playing = asyncio.ensure_future(self._play_all(utterances))

    async def _play_all(self, utterances: tuple[Utterance, ...]) -> bool:
        """Render all at once (the synthesizer works in parallel), play in order."""
        rate = self.output.sample_rate
        synth = self.services.synthesizer
        renders = [asyncio.ensure_future(synth.render(u.text, self.language, sample_rate=rate,
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
        """Barge-in: cut off what is being said."""
        if self._playing is None:
            return
        self._stop = True
        self.output.interrupt()
        task, self._playing = self._playing, None
        await asyncio.gather(task, return_exceptions=True)

    async def _after_playing(self) -> None:
        task, self._playing = self._playing, None
        assert task is not None
        task.result()  # a synthesis error ends the call (run() says sorry if it can)
        if self._turn.handoff is not None:
            await self._transfer(self._turn.handoff)
        elif self._turn.goodbye:
            await self.output.hangup()
            self._outcome = SessionOutcome("hangup")
        else:
            self._arm()

    def _arm(self) -> None:
        """Wait for the caller: a digit string's timers, or the no-input timer."""
        now = self._now()
        if self._turn.collect is not None:
            if self._collector is None:
                self._collector = self._new_collector(now)
        elif self._no_input_at is None:
            self._no_input_at = now + self.settings.no_input_timeout
        self.listening.set()

    async def _transfer(self, handoff: Handoff) -> None:
        if await self.output.transfer(handoff.queue) == "transferred":
            self._outcome = SessionOutcome("transfer", handoff.queue)
            return
        await self._end_with(TRANSFER_FAILED, "transfer_failed", handoff.queue)

    async def _end_with(self, notice: dict[str, str] | None, ended_by: EndedBy,
                        queue: str | None = None) -> None:
        """Say `notice` (if the synthesizer still works), hang up, and end with `ended_by`."""
        self._outcome = SessionOutcome(ended_by, queue)
        await self._stop_playing()
        try:
            if notice is not None:
                text = prompt(notice, self.language)
                self._note("assistant", text, "reply")
                pcm = await self.services.synthesizer.render(
                    text, self.language, sample_rate=self.output.sample_rate, fixed=True)
                await self.output.play(pcm)
            await self.output.hangup()
        except Exception:
            log.exception("call %s: could not end the call cleanly", self.sender)

    # --- bookkeeping -------------------------------------------------------------------------

    def _note(self, who: Literal["caller", "assistant"], text: str, via: str) -> None:
        self.transcript.append(TranscriptLine(who, text, via))  # type: ignore[arg-type]

    async def _release_recognizer(self) -> None:
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
