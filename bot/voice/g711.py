"""G.711 telephone coding: µ-law (PCMU, payload type 0) and A-law (PCMA, 8) to and from PCM.

Lookup tables built once with numpy: encoding indexes a 65,536-entry table by the sample's bit
pattern, decoding a 256-entry table by the code. (`audioop` is deprecated and gone in 3.13.)
Each 8-bit code holds a sign, a 3-bit segment (exponent) and a 4-bit step within the segment;
µ-law codes are stored inverted, A-law codes with every other bit inverted (XOR 0x55).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from bot.voice.audio import as_pcm

Codec = Literal["PCMU", "PCMA"]

_ULAW_BIAS = 0x84  # 132: added so that every magnitude has a leading one in bits 7..14
_ULAW_CLIP = 32635  # largest magnitude that still fits after the bias
_ALAW_MASK = 0x55


def _highest_bit(values: np.ndarray) -> np.ndarray:
    """Index of the highest set bit of each positive integer (floor of log2), exactly."""
    _, exponent = np.frexp(values.astype(np.float64))
    return exponent.astype(np.int32) - 1


def _ulaw_encode_table() -> np.ndarray:
    samples = np.arange(65536, dtype=np.int32).astype(np.uint16).view(np.int16).astype(np.int32)
    sign = (samples < 0).astype(np.int32) << 7
    magnitude = np.minimum(np.abs(samples), _ULAW_CLIP) + _ULAW_BIAS
    segment = _highest_bit(magnitude) - 7
    step = (magnitude >> (segment + 3)) & 0x0F
    return (~(sign | (segment << 4) | step) & 0xFF).astype(np.uint8)


def _ulaw_decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    segment = (codes >> 4) & 0x07
    step = codes & 0x0F
    magnitude = (((step << 3) + _ULAW_BIAS) << segment) - _ULAW_BIAS
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_encode_table() -> np.ndarray:
    samples = np.arange(65536, dtype=np.int32).astype(np.uint16).view(np.int16).astype(np.int32)
    sign = (samples >= 0).astype(np.int32) << 7
    magnitude = np.minimum(np.abs(samples) >> 3, 0x0FFF)  # A-law works on 13-bit magnitudes
    segment = np.where(magnitude < 32, 0, _highest_bit(np.maximum(magnitude, 1)) - 4)
    step = np.where(segment == 0, magnitude >> 1, magnitude >> np.maximum(segment, 1)) & 0x0F
    return ((sign | (segment << 4) | step) ^ _ALAW_MASK).astype(np.uint8)


def _alaw_decode_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.int32) ^ _ALAW_MASK
    segment = (codes >> 4) & 0x07
    step = codes & 0x0F
    magnitude = np.where(
        segment == 0, (step << 4) + 8, ((step << 4) + 0x108) << np.maximum(segment - 1, 0)
    )
    return np.where(codes & 0x80, magnitude, -magnitude).astype(np.int16)


ULAW_ENCODE = _ulaw_encode_table()
ULAW_DECODE = _ulaw_decode_table()
ALAW_ENCODE = _alaw_encode_table()
ALAW_DECODE = _alaw_decode_table()

ULAW_SILENCE = 0xFF
ALAW_SILENCE = 0xD5


def _codes(data: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    if isinstance(data, bytes | bytearray | memoryview):
        return np.frombuffer(data, dtype=np.uint8)
    codes = np.asarray(data)
    if codes.dtype != np.uint8:
        raise TypeError(f"expected uint8 G.711 codes, got {codes.dtype}")
    return codes


def ulaw_encode(pcm: np.ndarray) -> np.ndarray:
    """µ-law codes (uint8) of int16 samples."""
    return ULAW_ENCODE[as_pcm(pcm).view(np.uint16)]


def ulaw_decode(codes: bytes | np.ndarray) -> np.ndarray:
    """int16 samples of µ-law codes (bytes or uint8 array)."""
    return ULAW_DECODE[_codes(codes)]


def alaw_encode(pcm: np.ndarray) -> np.ndarray:
    """A-law codes (uint8) of int16 samples."""
    return ALAW_ENCODE[as_pcm(pcm).view(np.uint16)]


def alaw_decode(codes: bytes | np.ndarray) -> np.ndarray:
    """int16 samples of A-law codes (bytes or uint8 array)."""
    return ALAW_DECODE[_codes(codes)]


def encode(pcm: np.ndarray, codec: Codec) -> bytes:
    """An RTP payload: `pcm` (8 kHz) coded as PCMU or PCMA."""
    if codec == "PCMU":
        return ulaw_encode(pcm).tobytes()
    if codec == "PCMA":
        return alaw_encode(pcm).tobytes()
    raise ValueError(f"unsupported codec {codec!r}")


def decode(payload: bytes, codec: Codec) -> np.ndarray:
    """The int16 samples of an RTP payload coded as PCMU or PCMA."""
    if codec == "PCMU":
        return ulaw_decode(payload)
    if codec == "PCMA":
        return alaw_decode(payload)
    raise ValueError(f"unsupported codec {codec!r}")


def silence_payload(samples: int, codec: Codec) -> bytes:
    """`samples` of silence, coded (µ-law 0xFF, A-law 0xD5)."""
    if codec not in ("PCMU", "PCMA"):
        raise ValueError(f"unsupported codec {codec!r}")
    return bytes([ULAW_SILENCE if codec == "PCMU" else ALAW_SILENCE]) * samples
