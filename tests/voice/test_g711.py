"""G.711 µ-law and A-law against the standard's defining values and sox's decoder."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from bot.voice import g711

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
ALL_CODES = np.arange(256, dtype=np.uint8)
SOX = shutil.which("sox")


def test_known_values() -> None:
    samples = np.array([0, -1, 32767, -32768], dtype=np.int16)
    assert list(g711.ulaw_encode(samples)) == [0xFF, 0x7F, 0x80, 0x00]
    assert list(g711.alaw_encode(samples)) == [0xD5, 0x55, 0xAA, 0x2A]
    codes = np.array([0xFF, 0x7F, 0x80, 0x00], dtype=np.uint8)
    assert list(g711.ulaw_decode(codes)) == [0, 0, 32124, -32124]
    codes = np.array([0xD5, 0x55, 0xAA, 0x2A], dtype=np.uint8)
    assert list(g711.alaw_decode(codes)) == [8, -8, 32256, -32256]


@pytest.mark.skipif(SOX is None, reason="sox is installed by scripts/setup.sh")
@pytest.mark.parametrize(
    ("encoding", "decode"), [("u-law", g711.ulaw_decode), ("a-law", g711.alaw_decode)]
)
def test_decoding_matches_sox_for_every_code(encoding: str, decode: object) -> None:
    result = subprocess.run(
        [
            str(SOX),
            "-t",
            "raw",
            "-r",
            "8000",
            "-e",
            encoding,
            "-b",
            "8",
            "-c",
            "1",
            "-",
            "-t",
            "raw",
            "-e",
            "signed",
            "-b",
            "16",
            "-",
        ],
        input=ALL_CODES.tobytes(),
        capture_output=True,
        check=True,
        timeout=30,
    )
    assert np.array_equal(decode(ALL_CODES), np.frombuffer(result.stdout, dtype="<i2"))  # type: ignore[operator]


def test_ulaw_round_trip_error_is_at_most_half_a_step() -> None:
    codes = g711.ulaw_encode(ALL_SAMPLES)
    segment = ((~codes.astype(np.int32)) >> 4) & 0x07
    step = 1 << (segment + 3)  # µ-law steps double in each segment: 8, 16, ..., 1024
    error = np.abs(g711.ulaw_decode(codes).astype(np.int32) - ALL_SAMPLES)
    inside = np.abs(ALL_SAMPLES.astype(np.int32)) <= 32635  # beyond: clipped to the top level
    assert np.all(error[inside] <= step[inside] // 2)
    assert np.all(error[~inside] <= 32768 - 32124)


def test_alaw_round_trip_error_is_at_most_half_a_step() -> None:
    codes = g711.alaw_encode(ALL_SAMPLES)
    segment = ((codes.astype(np.int32) ^ 0x55) >> 4) & 0x07
    step = np.where(segment == 0, 16, 1 << (segment + 3))  # 16, 16, 32, ..., 1024
    error = np.abs(g711.alaw_decode(codes).astype(np.int32) - ALL_SAMPLES)
    assert np.all(error <= step // 2)


def test_coding_is_symmetric_in_sign() -> None:
    positive = np.arange(1, 32768, dtype=np.int16)
    assert np.array_equal(g711.ulaw_encode(-positive), g711.ulaw_encode(positive) ^ 0x80)
    assert np.array_equal(g711.alaw_encode(-positive), g711.alaw_encode(positive) ^ 0x80)


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_speech_band_tone_keeps_telephone_quality(codec: g711.Codec) -> None:
    # G.711's 8-bit companding gives about 35-38 dB signal to noise over a wide range of levels
    t = np.arange(8000) / 8000
    for peak in (0.5, 0.05):
        tone = np.rint(32767 * peak * np.sin(2 * np.pi * 1004 * t)).astype(np.int16)
        decoded = g711.decode(g711.encode(tone, codec), codec).astype(np.float64)
        snr = 10 * np.log10(np.sum(tone.astype(np.float64) ** 2) / np.sum((decoded - tone) ** 2))
        assert snr > 33, (codec, peak, snr)


def test_silence() -> None:
    zeros = np.zeros(160, dtype=np.int16)
    assert g711.encode(zeros, "PCMU") == g711.silence_payload(160, "PCMU") == b"\xff" * 160
    assert g711.encode(zeros, "PCMA") == g711.silence_payload(160, "PCMA") == b"\xd5" * 160
    assert not g711.decode(b"\xff" * 160, "PCMU").any()
    # A-law has no zero level: its silence decodes to the smallest positive one
    assert np.all(g711.decode(b"\xd5" * 160, "PCMA") == 8)


def test_every_level_survives_a_second_coding() -> None:
    payload = bytes(range(256))
    assert g711.encode(g711.decode(payload, "PCMA"), "PCMA") == payload
    # µ-law has two zeros (0xFF and 0x7F); the encoder writes the positive one
    again = g711.encode(g711.decode(payload, "PCMU"), "PCMU")
    assert again == payload.replace(b"\x7f", b"\xff")
    with pytest.raises(ValueError):
        g711.encode(np.zeros(1, dtype=np.int16), "G722")  # type: ignore[arg-type]
