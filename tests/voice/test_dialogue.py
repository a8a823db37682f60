"""The call's dialogue as a state machine: recorded assistant replies and the caller's events in,
actions out. No sockets, no sleeps: time is a number passed in."""

from __future__ import annotations

from typing import Any

from bot.menus import menu_for
from bot.voice.dialogue import (
    GREETING,
    Dialogue,
    DropSpeech,
    HangUp,
    Listen,
    Play,
    Send,
    StopListening,
    StopPlayback,
    Transfer,
    UseLanguage,
)
from bot.voice.phrases import KeyWords, default_words
from bot.voice.prompts import KEYS_ONLY, NOT_UNDERSTOOD, TRANSFER_FAILED
from bot.voice.services import VoiceSettings
from bot.voice.turns import Utterance, read_turn

SETTINGS = VoiceSettings(no_input_timeout=6.0, first_digit_timeout=8.0,
                         inter_digit_timeout=4.0, max_failures=3)
KOREAN = KeyWords({"sq": {"일": "1", "이": "2", "삼": "3", "사": "4", "오": "5"},
                   "en": default_words("en")})


def menu_reply(name: str, lang: str = "sq") -> list[dict[str, Any]]:
    """What the action server sends for a voice menu (actions/menus.py), as the voice channel
    returns it (bot/channels/voice.py: text and payload in one item)."""
    menu = menu_for(name)
    return [{"recipient_id": "c", "text": menu.spoken(lang), "custom": {
        "menu": menu.name, "lang": lang, "keys": {item.key: item.payload for item in menu.items},
        "default_key": menu.default_key, "speech": menu.spoken(lang)}}]


PIN_REPLY = [{"recipient_id": "c", "text": "Tani vendosni PIN-in 4-shifror të kartës.",
              "custom": {"collect": {"slot": "card_pin", "digits": 4, "secret": True}}}]
HANDOFF_REPLY = [{"recipient_id": "c", "text": "Po ju lidhim me një agjent."},
                 {"recipient_id": "c", "custom": {"handoff": {"queue": "agent"}}}]
GOODBYE_REPLY = [{"recipient_id": "c", "text": "Faleminderit. Mirupafshim!",
                  "custom": {"goodbye": True}}]


def answered(reply: list[dict[str, Any]], *, hears: bool = False,
             words: KeyWords | None = None) -> Dialogue:
    """A dialogue that greeted, got `reply` and heard it out at t=0."""
    dialogue = Dialogue(SETTINGS, words or KeyWords.default(), "sq")
    assert dialogue.start(0.0) == [UseLanguage("sq"), Send(GREETING, "sq")]
    dialogue.set_hears_speech(hears)
    actions = dialogue.on_reply(read_turn(reply), 0.0)
    assert isinstance(actions[-1], Play)
    assert dialogue.on_played(0.0) == []
    return dialogue


def sent(actions: list[Any]) -> list[str]:
    return [a.message for a in actions if isinstance(a, Send)]


def test_a_menu_key_sends_its_payload_and_a_wrong_key_is_the_assistants_to_explain() -> None:
    dialogue = answered(menu_reply("main"))
    assert dialogue.listening and dialogue.awaiting == "menu:main"
    assert sent(dialogue.on_key("1", 1.0)) == ["/individual_customer"]
    assert not dialogue.listening and dialogue.turns == 2
    dialogue.on_reply(read_turn(menu_reply("main")), 1.1)
    dialogue.on_played(1.2)
    assert sent(dialogue.on_key("7", 1.3)) == ["7"]  # not a key of the menu
    assert dialogue.on_key("A", 1.4) == []  # no customer's phone has it


def test_a_key_cuts_the_prompt_off_but_not_a_handoff() -> None:
    dialogue = Dialogue(SETTINGS, KeyWords.default(), "sq")
    dialogue.start(0.0)
    dialogue.on_reply(read_turn(menu_reply("language")), 0.0)
    actions = dialogue.on_key("2", 0.5)  # during the welcome
    assert actions[0] == StopPlayback()
    assert sent(actions) == ['/choose_language{"language":"en"}']
    actions = dialogue.on_reply(read_turn(HANDOFF_REPLY), 0.6)
    assert StopListening() in actions and actions[-1] == Play(
        read_turn(HANDOFF_REPLY).utterances, "sq", barge_in=False)
    assert dialogue.on_key("1", 0.7) == []
    assert dialogue.on_speech_start(0.8) == []
    assert dialogue.on_played(2.0) == [Transfer("agent")]
    assert dialogue.on_transfer_result(True) == []
    assert dialogue.outcome is not None and dialogue.outcome.ended_by == "transfer"


def test_a_failed_transfer_is_explained_and_the_call_ends() -> None:
    dialogue = Dialogue(SETTINGS, KeyWords.default(), "sq")
    dialogue.start(0.0)
    dialogue.on_reply(read_turn(HANDOFF_REPLY), 0.0)
    assert dialogue.on_played(1.0) == [Transfer("agent")]
    actions = dialogue.on_transfer_result(False)
    assert actions == [StopPlayback(), HangUp(TRANSFER_FAILED["sq"], "sq")]
    assert dialogue.outcome is not None and dialogue.outcome.ended_by == "transfer_failed"
    assert dialogue.outcome.queue == "agent"


def test_goodbye_hangs_up_after_it_is_heard() -> None:
    dialogue = Dialogue(SETTINGS, KeyWords.default(), "sq")
    dialogue.start(0.0)
    dialogue.on_reply(read_turn(GOODBYE_REPLY), 0.0)
    assert dialogue.outcome is None
    assert dialogue.on_played(1.0) == [HangUp()]
    assert dialogue.outcome is not None and dialogue.outcome.ended_by == "hangup"


def test_the_language_menu_takes_its_default_on_silence_then_no_input_reprompts() -> None:
    dialogue = answered(menu_reply("language"))
    assert dialogue.deadline == 6.0
    assert dialogue.on_timeout(5.9) == []
    assert sent(dialogue.on_timeout(6.0)) == ['/choose_language{"language":"sq"}']
    dialogue.on_reply(read_turn(menu_reply("main")), 6.1)
    dialogue.on_played(7.0)
    assert dialogue.deadline == 13.0
    again = dialogue.on_timeout(13.0)
    assert again == [Play(read_turn(menu_reply("main")).prompt, "sq", barge_in=True)]
    dialogue.on_played(20.0)
    assert dialogue.deadline == 26.0  # a whole no-input time after the re-prompt


def test_three_failures_in_a_row_ask_for_an_agent() -> None:
    dialogue = answered(menu_reply("main"))
    now = 0.0
    for _ in range(2):
        now = dialogue.deadline or now
        assert isinstance(dialogue.on_timeout(now)[0], Play)
        dialogue.on_played(now)
    assert sent(dialogue.on_timeout(dialogue.deadline or 0.0)) == [SETTINGS.agent_message]


def test_a_pin_is_collected_whole_and_masked() -> None:
    dialogue = answered(PIN_REPLY)
    assert dialogue.awaiting == "collect:card_pin" and dialogue.deadline == 8.0
    for at, key in enumerate("482", start=1):
        assert dialogue.on_key(key, float(at)) == []
    assert dialogue.deadline == 7.0  # inter-digit timeout after the third key
    assert sent(dialogue.on_key("7", 4.0)) == ["4827"]
    assert [line.text for line in dialogue.transcript if line.via == "digits"] == ["••••"]
    assert "4827" not in repr(Send("4827"))


def test_a_star_starts_the_number_again_and_a_timeout_sends_what_was_typed() -> None:
    dialogue = answered(PIN_REPLY)
    dialogue.on_key("4", 1.0)
    assert isinstance(dialogue.on_key("*", 2.0)[0], Play)  # asked again
    dialogue.on_played(3.0)
    dialogue.on_key("9", 4.0)
    assert sent(dialogue.on_timeout(8.0)) == ["9"]  # the assistant says it is too short


def test_a_spoken_pin_is_sent_as_digits_and_masked_everywhere() -> None:
    dialogue = answered(PIN_REPLY, hears=True, words=KOREAN)
    assert dialogue.on_speech_start(1.0) == []
    assert sent(dialogue.on_heard("사 이 일 오", 0.9, 2.1)) == ["4215"]
    caller = [line.text for line in dialogue.transcript if line.who == "caller"]
    assert caller == ["••••", "••••"]  # what was said, and the digits sent


def test_speech_is_recognized_into_keys_in_the_language_menu() -> None:
    dialogue = answered(menu_reply("language"), hears=True, words=KOREAN)
    listen = dialogue.on_reply(read_turn(menu_reply("language")), 0.0)[0]
    assert isinstance(listen, Listen) and listen.phrases is not None
    assert {"이", "english", "two"} <= set(listen.phrases)
    assert listen.closed  # a closed set: a short quiet ends the utterance
    dialogue.on_played(0.0)
    assert sent(dialogue.on_heard("이", 0.8, 1.1)) == ['/choose_language{"language":"en"}']


def test_free_speech_waits_for_the_final_and_a_low_confidence_is_a_no_match() -> None:
    dialogue = answered(menu_reply("main"), hears=True)
    listen = dialogue.on_reply(read_turn(menu_reply("main")), 0.0)[0]
    assert listen == Listen(None) and not listen.closed  # the main menu takes free speech
    dialogue.on_played(0.0)
    actions = dialogue.on_heard("dua bilancin", 0.1, 1.5)
    sorry = Utterance(NOT_UNDERSTOOD["sq"], fixed=True)
    assert actions == [Play((sorry, *read_turn(menu_reply("main")).prompt), "sq", True)]
    dialogue.on_played(2.0)
    assert sent(dialogue.on_heard("dua bilancin", 0.9, 3.0)) == ["dua bilancin"]


def test_speech_start_cuts_the_prompt_off_and_a_key_drops_the_speech() -> None:
    dialogue = Dialogue(SETTINGS, KeyWords.default(), "sq")
    dialogue.start(0.0)
    dialogue.set_hears_speech(True)
    dialogue.on_reply(read_turn(menu_reply("main")), 0.0)
    assert dialogue.on_speech_start(0.4) == [StopPlayback()]
    assert dialogue.deadline == 6.4  # the utterance gets time to end
    actions = dialogue.on_key("1", 0.6)
    assert actions[0] == DropSpeech() and sent(actions) == ["/individual_customer"]


def test_a_keypad_only_line_says_once_that_it_takes_keys() -> None:
    dialogue = answered(menu_reply("main"))  # no recognizer for Albanian
    assert dialogue.on_speech_start(1.0) == []  # nothing playing
    first = dialogue.on_speech_end(2.0)
    assert len(first) == 1 and isinstance(first[0], Play)
    assert first[0].utterances[0].text == KEYS_ONLY["sq"]
    dialogue.on_played(5.0)
    dialogue.on_speech_start(6.0)
    second = dialogue.on_speech_end(7.0)
    assert isinstance(second[0], Play) and KEYS_ONLY["sq"] not in [
        u.text for u in second[0].utterances]  # once only
    dialogue.on_played(9.0)
    dialogue.on_speech_start(10.0)
    assert sent(dialogue.on_speech_end(11.0)) == [SETTINGS.agent_message]


def test_the_caller_hanging_up_ends_it() -> None:
    dialogue = answered(menu_reply("main"))
    assert dialogue.on_hangup() == [StopPlayback()]
    assert dialogue.outcome is not None and dialogue.outcome.ended_by == "caller"
    assert dialogue.deadline is None


CARD_REPLY = [{"recipient_id": "c", "text": "Vendosni 16 shifrat e kartës.",
               "custom": {"collect": {"slot": "card_number", "digits": 16, "secret": True}}}]
CUSTOMER_REPLY = [{"recipient_id": "c", "text": "Vendosni numrin e klientit.",
                   "custom": {"collect": {"slot": "customer_number", "digits": 9,
                                          "secret": False}}}]


def test_a_card_number_said_in_groups_is_gathered_across_utterances() -> None:
    dialogue = answered(CARD_REPLY, hears=True, words=KOREAN)
    listen = dialogue.on_reply(read_turn(CARD_REPLY), 0.0)[0]
    assert isinstance(listen, Listen)
    assert set(listen.phrases or ()) == {"일", "이", "삼", "사", "오"}  # the digits grammar
    dialogue.on_played(0.0)
    groups = ["사 이 일 오", "일 일 일 일", "이 이 이 이"]
    for at, group in enumerate(groups, start=1):
        assert dialogue.on_heard(group, 0.9, at + 0.1) == []  # kept, waiting for more
        assert dialogue.deadline == at + 0.1 + SETTINGS.inter_digit_timeout
    assert sent(dialogue.on_heard("삼 삼 삼 삼", 0.9, 4.1)) == ["4215111122223333"]
    assert [t.text for t in dialogue.transcript if t.via == "digits"] == ["•" * 16]


def test_a_spoken_customer_number_is_not_secret_and_a_no_match_asks_again() -> None:
    dialogue = answered(CUSTOMER_REPLY, hears=True, words=KOREAN)
    actions = dialogue.on_heard("", 0.0, 1.0)  # speech heard, nothing recognized
    assert isinstance(actions[0], Play) and actions[0].utterances[0].text == NOT_UNDERSTOOD["sq"]
    dialogue.on_played(2.0)
    assert dialogue.on_heard("사 사 사 사", 0.9, 3.0) == []
    assert sent(dialogue.on_heard("오 오 오 오 오", 0.9, 4.0)) == ["444455555"]
    assert [t.text for t in dialogue.transcript if t.via == "digits"] == ["444455555"]


def test_a_keypad_only_line_answers_speech_at_a_pin_prompt_with_the_keys_notice() -> None:
    dialogue = answered(PIN_REPLY)  # no recognizer
    dialogue.on_key("4", 1.0)
    assert dialogue.on_speech_start(2.0) == []  # nothing playing; the digit timers stay
    assert dialogue.deadline == 1.0 + SETTINGS.inter_digit_timeout
    actions = dialogue.on_speech_end(3.0)
    assert isinstance(actions[0], Play)
    assert [u.text for u in actions[0].utterances][0] == KEYS_ONLY["sq"]
    dialogue.on_played(6.0)
    for at, key in enumerate("3958", start=7):  # the PIN keyed whole, from its first digit
        actions = dialogue.on_key(key, float(at))
    assert sent(actions) == ["3958"]


def test_speech_over_a_prompt_cuts_it_and_on_a_keypad_only_line_is_told_once() -> None:
    dialogue = Dialogue(SETTINGS, KeyWords.default(), "en")
    dialogue.start(0.0)
    dialogue.on_reply(read_turn(menu_reply("main", "en")), 0.0)  # playing, no recognizer
    assert dialogue.on_speech_start(0.5) == [StopPlayback()]  # barge-in without a model
    actions = dialogue.on_speech_end(2.0)
    assert isinstance(actions[0], Play) and actions[0].utterances[0].text == KEYS_ONLY["en"]
    assert actions[0].utterances[1:] == read_turn(menu_reply("main", "en")).prompt


def test_closed_sets_are_the_digit_strings_and_the_language_menu() -> None:
    def listen_for(reply: list[dict[str, Any]]) -> Listen:
        dialogue = answered(reply, hears=True, words=KOREAN)
        action = dialogue.on_reply(read_turn(reply), 1.0)[0]
        assert isinstance(action, Listen)
        return action

    assert listen_for(menu_reply("language")).closed
    assert listen_for(PIN_REPLY).closed and listen_for(CUSTOMER_REPLY).closed
    assert not listen_for(menu_reply("main")).closed  # free speech: the trailing silence rule
    assert not listen_for(menu_reply("individual")).closed


def test_a_key_word_said_in_a_menu_is_that_key_and_the_language_follows_the_menu() -> None:
    dialogue = answered(menu_reply("main"), hears=True)
    assert sent(dialogue.on_heard("një", 0.9, 1.0)) == ["/individual_customer"]
    actions = dialogue.on_reply(read_turn(menu_reply("individual", "en")), 1.1)
    assert actions[0] == UseLanguage("en") and dialogue.language == "en"


def test_what_is_heard_during_a_handoff_is_ignored_and_nothing_waits_while_playing() -> None:
    dialogue = answered(menu_reply("main"), hears=True)
    dialogue.on_reply(read_turn(HANDOFF_REPLY), 1.0)
    assert dialogue.deadline is None  # playing: no timer runs
    assert dialogue.on_heard("një", 0.9, 1.5) == []
    assert dialogue.on_speech_end(1.6) == []
