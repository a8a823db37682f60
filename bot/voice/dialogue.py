"""The dialogue of one phone call as a state machine: events and the time in, actions out.

    dialogue = Dialogue(settings, key_words, language="sq")
    actions = dialogue.start(now)                     # [UseLanguage("sq"), Send("/greet")]
    actions = dialogue.on_reply(read_turn(replies), now)
    actions = dialogue.on_key("1", now)               # ... on_speech_start, on_heard, on_timeout

Nothing here sleeps, reads a clock or does I/O: `VoiceSession` (bot.voice.session) is the thin
async driver that carries out the actions (plays, sends to the assistant, transfers, hangs up),
feeds the results back in, and calls `on_timeout(now)` once `deadline` has passed.

The rules: a key of the menu being heard sends that key's payload; a digit string asked for
(`collect`) is gathered with a `DigitCollector` and sent whole (digit words said aloud count as
keys); other recognized speech is sent as text. A key or the start of speech cuts a prompt off
(barge-in), except a hand-off or goodbye, which is heard out. Silence after a prompt (no-input)
and speech not recognized (no-match) repeat the last question; after `max_failures` in a row the
caller is sent to an agent. In the language menu, silence chooses its default (Albanian). On a
keypad-only line (no speech model for the language) a caller who speaks hears once that the
line takes keys. Where the answer is a closed set (a digit string, the language menu's spoken
keys), `Listen` carries the phrase list, and an utterance ends after a short quiet instead of the
trailing silence of free speech: every word of the list is a whole answer (one key, or digits,
which are gathered across utterances until the expected length).

Secret digit strings (PIN, card number), keyed or said, are masked in the transcript.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.i18n import LANGUAGES
from bot.menus import KEYS
from bot.voice.digit_collector import DIGITS, DigitCollector, DigitResult
from bot.voice.phrases import KeyWords, title_words
from bot.voice.prompts import KEYS_ONLY, NOT_UNDERSTOOD, SERVICE_DOWN, TRANSFER_FAILED, prompt
from bot.voice.services import VoiceSettings
from bot.voice.turns import Turn, Utterance

GREETING = "/greet"
MASK = "•"

EndedBy = Literal["caller", "transfer", "transfer_failed", "hangup", "error"]
Via = Literal["key", "speech", "digits", "auto", "reply"]


# --- actions: what the driver is to do, in order --------------------------------------------


@dataclass(frozen=True)
class UseLanguage:
    """Speak and recognize `lang` from now on (the driver tells `set_hears_speech`)."""

    lang: str


@dataclass(frozen=True)
class Listen:
    """Hear the caller; `phrases`: the recognizer's phrase list (None: free recognition).

    With a phrase list the answer is a closed set: a short quiet ends an utterance."""

    phrases: tuple[str, ...] | None

    @property
    def closed(self) -> bool:
        return self.phrases is not None


@dataclass(frozen=True)
class StopListening:
    """Ignore the caller's audio (a hand-off or goodbye is heard out)."""


@dataclass(frozen=True)
class DropSpeech:
    """Forget the utterance in progress (a key ends any speech)."""


@dataclass(frozen=True)
class Play:
    """Say `utterances` in `lang`; report the end with `on_played` (not after StopPlayback)."""

    utterances: tuple[Utterance, ...]
    lang: str
    barge_in: bool


@dataclass(frozen=True)
class StopPlayback:
    """Cut off what is being said."""


@dataclass(frozen=True)
class Send:
    """Send `message` to the assistant in `lang`; its replies go to `on_reply`."""

    message: str = field(repr=False)  # may be a PIN
    lang: str = ""


@dataclass(frozen=True)
class Transfer:
    """Hand the call to `queue`; the result goes to `on_transfer_result`."""

    queue: str


@dataclass(frozen=True)
class HangUp:
    """Say `notice` (if any, and if the synthesizer still works), then end the call."""

    notice: str | None = None
    lang: str = ""


Action = (UseLanguage | Listen | StopListening | DropSpeech | Play | StopPlayback | Send
          | Transfer | HangUp)


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
    via: Via


class Dialogue:
    """One call's dialogue; see the module docstring. Every `on_*` returns the actions to take."""

    def __init__(self, settings: VoiceSettings, key_words: KeyWords, language: str) -> None:
        self.settings = settings
        self.key_words = key_words
        self.language = language
        self.transcript: list[TranscriptLine] = []
        self.outcome: SessionOutcome | None = None
        self.turns = 0
        self.prompt_count = 0  # how many times the dialogue started speaking
        self.listening = False  # waiting for the caller: nothing playing, nothing in flight
        self.hears_speech = False  # a recognizer for `language` (set by the driver)
        self.turn = Turn()
        self._prompt: tuple[Utterance, ...] = ()
        self._collector: DigitCollector | None = None
        self._playing = False
        self._barge_in = True
        self._no_input_at: float | None = None
        self._failures = 0
        self._told_keys_only = False

    # --- what the driver asks ----------------------------------------------------------------

    @property
    def awaiting(self) -> str | None:
        """What the caller is asked for now: "menu:<name>", "collect:<slot>", or None."""
        if self.turn.collect:
            return f"collect:{self.turn.collect.slot}"
        if self.turn.menu:
            return f"menu:{self.turn.menu.name}"
        return None

    @property
    def deadline(self) -> float | None:
        """When to call `on_timeout` (None: nothing to wait for, or a prompt is playing)."""
        if self._playing or self.outcome is not None:
            return None
        return self._collector.deadline if self._collector else self._no_input_at

    def set_hears_speech(self, hears: bool) -> None:
        self.hears_speech = hears

    # --- events ------------------------------------------------------------------------------

    def start(self, now: float) -> list[Action]:
        return [UseLanguage(self.language), *self._send(GREETING, "auto")]

    def on_reply(self, turn: Turn, now: float) -> list[Action]:
        """The assistant answered the last `Send`."""
        self.turn = turn
        actions: list[Action] = []
        if turn.lang in LANGUAGES and turn.lang != self.language:
            self.language = str(turn.lang)
            actions.append(UseLanguage(self.language))
        if turn.menu is not None or turn.collect is not None:
            self._prompt = turn.prompt
        barge_in = turn.handoff is None and not turn.goodbye
        actions.append(Listen(self._phrases(turn)) if barge_in else StopListening())
        return actions + self._speak(turn.utterances, barge_in=barge_in)

    def on_played(self, now: float) -> list[Action]:
        """What was being said has been heard out."""
        self._playing = False
        if self.turn.handoff is not None:
            return [Transfer(self.turn.handoff.queue)]
        if self.turn.goodbye:
            self.outcome = SessionOutcome("hangup")
            return [HangUp()]
        self._arm(now)
        return []

    def on_transfer_result(self, transferred: bool) -> list[Action]:
        queue = self.turn.handoff.queue if self.turn.handoff else None
        if transferred:
            self.outcome = SessionOutcome("transfer", queue)
            return []
        return self._end_with(TRANSFER_FAILED, "transfer_failed", queue)

    def on_hangup(self) -> list[Action]:
        self.outcome = SessionOutcome("caller")
        self.listening = False
        return [StopPlayback()]

    def on_assistant_error(self) -> list[Action]:
        return self._end_with(SERVICE_DOWN, "error")

    def on_error(self) -> list[Action]:
        return self._end_with(None, "error")

    def on_key(self, key: str, now: float) -> list[Action]:
        if key not in KEYS:
            return []  # A-D: no customer's phone has them
        actions: list[Action] = []
        if self._playing:
            if not self._barge_in:
                return []  # a hand-off or goodbye is heard out
            actions += self._stop_playing()
        self._no_input_at = None
        if self.hears_speech:
            actions.append(DropSpeech())
        if self.turn.collect is not None:
            return actions + self._collect_digits(key, now=now)
        menu = self.turn.menu
        self._note("caller", key, "key")
        if menu is not None and key in menu.keys:
            return actions + self._send(menu.keys[key], "key")
        if menu is not None:  # not a key of this menu: the assistant says so and repeats it
            failed = self._count_failure()
            return actions + (failed if failed else self._send(key, "key", success=False))
        return actions + self._send(key, "key")  # no menu: the assistant maps a typed digit

    def on_speech_start(self, now: float) -> list[Action]:
        """The voice-activity detector heard speech start (not noise): barge-in."""
        if self.outcome is not None or (self._playing and not self._barge_in):
            return []
        if self.turn.collect is None:
            # give the utterance time to end (speech that is never recognized still ends in a
            # no-input)
            self._no_input_at = now + self.settings.no_input_timeout
        self.listening = False
        return self._stop_playing()

    def on_speech_end(self, now: float) -> list[Action]:
        """The detector heard the speech end. Only a keypad-only line acts on it (with a
        recognizer, the final result is what counts)."""
        if self.hears_speech or self.outcome is not None or self._playing:
            return []
        if self._told_keys_only:
            return self._fail(None)
        self._told_keys_only = True
        return self._fail(KEYS_ONLY)

    def on_heard(self, text: str, confidence: float | None, now: float) -> list[Action]:
        """A final result (empty `text`: speech heard, nothing recognized)."""
        if self.outcome is not None or (self._playing and not self._barge_in):
            return []
        langs = self._key_langs()
        collect = self.turn.collect
        digits = self.key_words.digits_of(text, langs) if collect is not None else None
        shown = text
        if collect is not None and collect.secret:  # a spoken PIN or card number
            shown = MASK * len(digits) if digits else MASK * 3
        if not text or (confidence or 0.0) < self.settings.min_confidence:
            self._note("caller", shown or "…", "speech")
            return self._fail(NOT_UNDERSTOOD)
        self._note("caller", shown, "speech")
        if digits:
            return self._collect_digits(*digits, now=now)
        menu = self.turn.menu
        if collect is None and menu is not None:
            key = self._key_of(text)
            if key is not None and key in menu.keys:
                return self._send(menu.keys[key], "speech")
        return self._send(text, "speech")

    def on_timeout(self, now: float) -> list[Action]:
        """`deadline` has passed."""
        if self._collector is not None:
            result = self._collector.poll(now)
            return self._collected(result) if result is not None else []
        if self._no_input_at is None or now < self._no_input_at:
            return []
        self._no_input_at = None
        return self._no_input()

    # --- the rules ---------------------------------------------------------------------------

    def _collect_digits(self, *keys: str, now: float) -> list[Action]:
        if self._collector is None:
            self._collector = self._new_collector(now)
        for key in keys:
            result = self._collector.feed(key, now)
            if result is not None:
                return self._collected(result)
        self._arm(now)
        return []

    def _new_collector(self, now: float) -> DigitCollector:
        collect = self.turn.collect
        assert collect is not None
        return DigitCollector(started_at=now, length=collect.digits,
                              first_digit_timeout=self.settings.first_digit_timeout,
                              inter_digit_timeout=self.settings.inter_digit_timeout)

    def _collected(self, result: DigitResult) -> list[Action]:
        self._collector = None
        if result.status == "cancelled":
            return self._replay(())  # "*": start the number again
        if result.digits:  # complete, or a timeout after some digits: the assistant checks
            collect = self.turn.collect
            secret = collect is not None and collect.secret
            self._note("caller", MASK * len(result.digits) if secret else result.digits,
                       "digits")
            return self._send(result.digits, "digits")
        return self._no_input()

    def _no_input(self) -> list[Action]:
        menu = self.turn.menu
        if menu is not None and menu.default_key in menu.keys:
            return self._send(menu.keys[str(menu.default_key)], "auto")  # language menu
        return self._fail(None)

    def _fail(self, notice: Mapping[str, str] | None) -> list[Action]:
        failed = self._count_failure()
        if failed:
            return failed
        lead = (Utterance(prompt(dict(notice), self.language), fixed=True),) if notice else ()
        self._collector = None
        return self._replay(lead)

    def _count_failure(self) -> list[Action]:
        """One more failure in a row; at the limit, the actions that ask for an agent."""
        self._failures += 1
        if self._failures < self.settings.max_failures:
            return []
        self._failures = 0
        return self._send(self.settings.agent_message, "auto", success=False)

    def _replay(self, lead: tuple[Utterance, ...]) -> list[Action]:
        """Say the last question again (after `lead`); the caller is still asked the same."""
        return self._speak(lead + self._prompt, barge_in=True)

    def _send(self, message: str, via: Via, *, success: bool = True) -> list[Action]:
        self.listening = False
        self._no_input_at = None
        self._collector = None
        if success:
            self._failures = 0
        self.turns += 1
        return [Send(message, self.language)]

    def _speak(self, utterances: tuple[Utterance, ...], *, barge_in: bool) -> list[Action]:
        for utterance in utterances:
            self._note("assistant", utterance.text, "reply")
        self.listening = False
        self._no_input_at = None  # the caller gets the whole no-input time after it
        self.prompt_count += 1
        self._barge_in = barge_in
        self._playing = True
        return [Play(utterances, self.language, barge_in)]

    def _stop_playing(self) -> list[Action]:
        if not self._playing:
            return []
        self._playing = False
        return [StopPlayback()]

    def _arm(self, now: float) -> None:
        """Wait for the caller: a digit string's timers, or the no-input timer."""
        if self.turn.collect is not None:
            if self._collector is None:
                self._collector = self._new_collector(now)
        elif self._no_input_at is None:
            self._no_input_at = now + self.settings.no_input_timeout
        self.listening = True

    def _end_with(self, notice: Mapping[str, str] | None, ended_by: EndedBy,
                  queue: str | None = None) -> list[Action]:
        self.outcome = SessionOutcome(ended_by, queue)
        self.listening = False
        text = prompt(dict(notice), self.language) if notice is not None else None
        if text is not None:
            self._note("assistant", text, "reply")
        self._playing = False
        return [StopPlayback(), HangUp(text, self.language)]

    # --- what the caller may say -------------------------------------------------------------

    def _key_langs(self) -> tuple[str, ...]:
        """Languages whose words count as keys: both in the bilingual language menu."""
        menu = self.turn.menu
        if menu is not None and menu.default_key is not None:
            return tuple(LANGUAGES)
        return (self.language,)

    def _key_of(self, text: str) -> str | None:
        menu = self.turn.menu
        if menu is None:
            return None
        langs = self._key_langs()
        return (self.key_words.key_of(text, langs)
                or title_words(menu.name, langs).get(text.strip().lower()))

    def _closed_set(self, turn: Turn) -> dict[str, str] | None:
        """phrase -> key where the answer is a closed set: the language menu's spoken keys."""
        menu = turn.menu
        if turn.collect is not None or menu is None or menu.default_key is None:
            return None
        langs = tuple(LANGUAGES)
        words = {w: k for w, k in self.key_words.for_langs(langs).items() if k in menu.keys}
        words.update({t: k for t, k in title_words(menu.name, langs).items() if k in menu.keys})
        return words

    def _phrases(self, turn: Turn) -> tuple[str, ...] | None:
        """A phrase list where the answer is a closed set: digits, or the language menu."""
        if turn.collect is not None:
            return tuple(self.key_words.phrases(DIGITS, (self.language,))) or None
        closed = self._closed_set(turn)
        return tuple(sorted(closed)) if closed else None

    def _note(self, who: Literal["caller", "assistant"], text: str, via: Via) -> None:
        self.transcript.append(TranscriptLine(who, text, via))
