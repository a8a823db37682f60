"""The voice-activity stage on telephone audio: espeak-ng speech band-limited and through A-law,
silence, line noise, call-progress and keypad tones."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.voice import g711
from bot.voice.audio import frames, read_wav, rms_dbfs
from bot.voice.dtmf_tones import tone
from bot.voice.vad import (
    FRAME_MS,
    EveryFrame,
    SileroFrames,
    SpeechAudio,
    SpeechDetector,
    SpeechStart,
    VadConfig,
    WebRtcFrames,
)
from tests.voice.conftest import SOX

ENGINES = ["silero", "webrtc"]


def line(pcm: np.ndarray) -> np.ndarray:
    """`pcm` as a caller's phone delivers it (through A-law)."""
    return g711.decode(g711.encode(np.clip(pcm, -32768, 32767).astype(np.int16), "PCMA"), "PCMA")


def hiss(seconds: float, level: float = 30.0, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, level, int(8000 * seconds)).astype(np.int16)


def kinds(events: list) -> list[str]:
    return [type(event).__name__ for event in events]


def heard(events: list) -> int:
    """Samples handed on to the recognizer."""
    return sum(len(e.pcm) for e in events if isinstance(e, SpeechStart | SpeechAudio))


@pytest.fixture(scope="module")
def phone_speech(speak: Callable[..., np.ndarray], tmp_path_factory: pytest.TempPathFactory
                 ) -> Callable[[str, str], np.ndarray]:
    """espeak-ng speech through a telephone's band (300-3400 Hz) at 8 kHz."""
    folder = tmp_path_factory.mktemp("band")

    def make(text: str, voice: str) -> np.ndarray:
        pcm = speak(text, 8000, voice)
        raw, band = folder / "raw.wav", folder / "band.wav"
        from bot.voice.audio import write_wav

        write_wav(raw, pcm, 8000)
        subprocess.run([SOX, "-D", str(raw), str(band), "sinc", "300-3400"], check=True,
                       capture_output=True, timeout=30)
        return line(read_wav(band)[0])

    return make


@pytest.mark.parametrize("engine", ENGINES)
def test_faint_line_noise_at_the_start_of_a_call_is_not_speech(engine: str) -> None:
    # webrtcvad alone judges the first frames of -60 dBFS hiss speech (it has not yet learnt the
    # noise floor): without its loudness floor this call would barge in on its own greeting
    detector = SpeechDetector(8000, VadConfig(engine=engine))  # type: ignore[arg-type]
    assert detector.feed(line(hiss(8.0))) == []
    assert not detector.in_speech


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("text", "voice"), [("un jam klient", "sq"),
                                             ("I lost my card", "en-us"),
                                             ("안녕하세요 감사합니다", "ko")])
def test_a_spoken_answer_starts_with_its_pre_roll_and_ends_after_trailing_silence(
        phone_speech: Callable[[str, str], np.ndarray], engine: str, text: str,
        voice: str) -> None:
    words = phone_speech(text, voice)
    config = VadConfig(engine=engine)  # type: ignore[arg-type]
    detector = SpeechDetector(8000, config)
    events = detector.feed(np.concatenate([line(hiss(1.0)), words, line(hiss(1.0, seed=2))]))
    assert kinds(events)[0] == "SpeechStart" and kinds(events)[-1] == "SpeechEnd"
    assert kinds(events).count("SpeechStart") == kinds(events).count("SpeechEnd") == 1
    start = events[0]
    assert isinstance(start, SpeechStart)
    assert len(start.pcm) >= 8000 * (config.preroll_ms - 32) // 1000  # the first syllable kept
    assert len(words) * 0.6 < heard(events) < len(words) + 8000  # the speech, not the hiss
    assert not detector.in_speech


def test_an_inner_pause_does_not_cut_an_answer_in_two(
        phone_speech: Callable[[str, str], np.ndarray]) -> None:
    words = phone_speech("Kam humbur kartën, më ndihmoni ju lutem", "sq")
    detector = SpeechDetector(8000)
    events = detector.feed(np.concatenate([line(hiss(1.0)), words, line(hiss(1.0, seed=3))]))
    assert kinds(events).count("SpeechStart") == 1


def test_call_progress_and_keypad_tones_are_not_speech(tmp_path: Path) -> None:
    keys = np.concatenate([np.concatenate([tone(key, 120), np.zeros(3200, np.int16)])
                           for key in "1234567890*#"])
    sounds = [keys]
    for name in ("busy.wav", "ringback.wav"):  # the network's tones as baresip plays them
        path = Path("/usr/share/baresip") / name
        if path.is_file() and SOX is not None:
            converted = tmp_path / name
            subprocess.run([SOX, "-D", str(path), "-r", "8000", "-e", "signed-integer", "-b", "16",
                            str(converted)], check=True, timeout=30)
            sounds.append(np.resize(read_wav(converted)[0], 8000 * 10))
    for sound in sounds:
        detector = SpeechDetector(8000)
        assert detector.feed(line(sound)) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_speech_through_noise_still_starts(engine: str) -> None:
    # a loud vowel-like tone mixed with the hiss: the loudness floor does not hide real speech
    t = np.arange(16000) / 8000
    voiced = 3000 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 4 * t))
    voiced = voiced + 1500 * np.sin(2 * np.pi * 720 * t) * (1 + np.sin(2 * np.pi * 3 * t))
    detector = SpeechDetector(8000, VadConfig(engine=engine))  # type: ignore[arg-type]
    events = detector.feed(np.concatenate([line(hiss(0.5)), line(voiced + hiss(2.0))]))
    assert "SpeechStart" in kinds(events)


def test_off_hands_on_every_frame_and_never_ends() -> None:
    detector = SpeechDetector(8000, VadConfig(engine="off"))
    assert isinstance(detector.classifier, EveryFrame)
    events = detector.feed(np.zeros(8000 * 3, np.int16))
    assert kinds(events)[0] == "SpeechStart" and "SpeechEnd" not in kinds(events)
    assert heard(events) == 8000 * 3 and detector.in_speech


class AlwaysSpeech:
    """A classifier that judges everything speech: a caller who never stops talking (or a
    line's noise a model takes for speech)."""

    frame_ms = FRAME_MS

    def is_speech(self, frame: np.ndarray) -> bool:
        return True


def test_speech_that_never_stops_is_ended_at_the_longest_utterance_and_heard_again() -> None:
    config = VadConfig(max_speech_ms=2000)
    detector = SpeechDetector(8000, config, AlwaysSpeech())
    events = timed(detector, line(hiss(5.0, level=3000)))
    ends = [at for name, at in events if name == "SpeechEnd"]
    starts = [at for name, at in events if name == "SpeechStart"]
    assert len(ends) == 2 and len(starts) == 3  # ended twice, and heard again each time
    lengths = [end - start for start, end in zip(starts[:2], ends, strict=True)]
    assert all(2000 <= length <= 2000 + 2 * FRAME_MS for length in lengths), lengths
    assert detector.in_speech  # the third is in progress: it too will end
    # the limit is the default; off, one speech goes on for as long as the caller talks
    assert VadConfig().max_speech_ms == 20_000
    unbounded = SpeechDetector(8000, VadConfig(max_speech_ms=None), AlwaysSpeech())
    assert "SpeechEnd" not in kinds(unbounded.feed(line(hiss(25.0, level=3000))))


def test_settings_from_the_environment() -> None:
    assert VadConfig.from_env({}) == VadConfig()
    config = VadConfig.from_env({"BOT_VOICE_VAD": "webrtc", "BOT_VOICE_END_SILENCE_MS": "500",
                                 "BOT_VOICE_CLOSED_SET_SILENCE_MS": "off"})
    assert (config.engine, config.trailing_silence_ms, config.closed_set_silence_ms) == (
        "webrtc", 500, None)
    assert isinstance(SpeechDetector(8000, config).classifier, WebRtcFrames)
    assert isinstance(SpeechDetector(8000).classifier, SileroFrames)
    assert VadConfig.from_env({"BOT_VOICE_PAUSE_MS": "off"}).pause_ms is None
    assert VadConfig.from_env({"BOT_VOICE_PAUSE_MS": "128"}).pause_ms == 128
    assert VadConfig.from_env({"BOT_VOICE_MAX_SPEECH_MS": "off"}).max_speech_ms is None
    assert VadConfig.from_env({"BOT_VOICE_MAX_SPEECH_MS": "9000"}).max_speech_ms == 9000
    with pytest.raises(ValueError, match="BOT_VOICE_VAD"):
        VadConfig.from_env({"BOT_VOICE_VAD": "maybe"})


def test_quiet_after_speech_is_counted_at_once_for_a_complete_closed_set_answer(
        phone_speech: Callable[[str, str], np.ndarray]) -> None:
    word = phone_speech("이", "ko")
    loud = [i for i, frame in enumerate(frames(word, 8000, 10)) if rms_dbfs(frame) > -45]
    word = word[: (loud[-1] + 1) * 80]  # espeak-ng's own pause after the word cut off
    detector = SpeechDetector(8000)
    detector.feed(np.concatenate([line(hiss(0.5)), word]))
    assert detector.in_speech
    detector.feed(np.zeros(1600, np.int16))  # 200 ms of a quiet line
    assert detector.in_speech  # free speech still waits (Silero's hangover and the rule)
    assert detector.trailing_quiet_ms >= 160  # a complete closed-set answer may end now
    assert detector.trailing_quiet_ms >= detector.trailing_silence_ms


def trimmed(pcm: np.ndarray) -> np.ndarray:
    """espeak-ng's own pause after the words cut off (tests set the silence themselves)."""
    loud = [i for i, frame in enumerate(frames(pcm, 8000, 10)) if rms_dbfs(frame) > -45]
    return pcm[: (loud[-1] + 1) * 80]


def timed(detector: SpeechDetector, pcm: np.ndarray) -> list[tuple[str, int]]:
    """The detector's events other than audio, each with the ms of audio fed when it came (fed
    20 ms at a time, as RTP brings it)."""
    found = []
    for at in range(0, len(pcm), 160):
        found += [(name, (at + 160) // 8) for name in kinds(detector.feed(pcm[at:at + 160]))
                  if name != "SpeechAudio"]
    return found


def test_the_end_of_speech_is_announced_as_a_pause_while_the_silence_is_counted(
        phone_speech: Callable[[str, str], np.ndarray]) -> None:
    # the session finishes the recognizer's utterance on the pause, so that at the end of
    # speech the final is already decoded; the rule that ends the speech is unchanged
    words = trimmed(phone_speech("I lost my card", "en-us"))
    config = VadConfig()
    events = timed(SpeechDetector(8000, config),
                   np.concatenate([line(hiss(1.0)), words, line(hiss(1.0, seed=4))]))
    assert [name for name, _ in events] == ["SpeechStart", "SpeechPause", "SpeechEnd"]
    paused, ended = events[1][1], events[2][1]
    assert config.pause_ms is not None
    lead = config.trailing_silence_ms - config.pause_ms - 32 - 20  # a frame, a chunk
    assert ended - paused >= lead  # the decode has ~200 ms to finish before the turn ends
    # without pauses (the rule before): the same end, and nothing earlier to decode on
    plain = timed(SpeechDetector(8000, VadConfig(pause_ms=None)),
                  np.concatenate([line(hiss(1.0)), words, line(hiss(1.0, seed=4))]))
    assert plain == [events[0], events[2]]


def test_speech_after_a_pause_resumes_the_same_utterance(
        phone_speech: Callable[[str, str], np.ndarray]) -> None:
    two, five = trimmed(phone_speech("이", "ko")), trimmed(phone_speech("오", "ko"))
    detector = SpeechDetector(8000)
    pcm = np.concatenate([line(hiss(0.5)), two, line(hiss(0.3, seed=5)), five,
                          line(hiss(1.0, seed=6))])
    events = detector.feed(pcm)
    assert [k for k in kinds(events) if k != "SpeechAudio"] == [
        "SpeechStart", "SpeechPause", "SpeechResume", "SpeechPause", "SpeechEnd"]
    assert heard(events) >= len(two) + len(five)  # both words and the pause between them
