"""baresip 1.0 as the caller: a config folder for one call from a given number, with the
`sndfile` module recording what the phone hears (`dump-*-dec.wav`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from bot.voice.audio import read_wav, write_wav

CONFIG = """poll_method epoll
sip_listen 127.0.0.1:0
net_interface 127.0.0.1
audio_player aufile,{folder}/unused.wav
audio_source aufile,{folder}/mic.wav
audio_alert aufile,/dev/null
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module sndfile.so
module_app account.so
module_app menu.so
snd_path {folder}
rtp_ports 30000-39999
"""


def prepare(folder: Path, number: str, seconds: float) -> None:
    """A baresip config in `folder` for a caller `number` whose microphone hears room noise."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config").write_text(CONFIG.format(folder=folder))
    (folder / "accounts").write_text(f"<sip:{number}@127.0.0.1>;regint=0\n")
    noise = np.random.default_rng(1).normal(0, 30, int(8000 * (seconds + 2)))
    write_wav(folder / "mic.wav", noise.astype(np.int16), 8000)


async def call(folder: Path, uri: str, seconds: int) -> str:
    """Dial `uri`, stay `seconds`, hang up (baresip quits); baresip's output."""
    process = await asyncio.create_subprocess_exec(
        "baresip", "-f", str(folder), "-e", f"/dial {uri}", "-t", str(seconds),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), seconds + 15)
    return output.decode(errors="replace")


def heard(folder: Path) -> np.ndarray:
    """What the phone heard (decoded), from sndfile's recording."""
    (path,) = sorted(folder.glob("dump-*-dec.wav"))
    pcm, rate = read_wav(path)
    assert rate == 8000
    return pcm


def best_match(heard: np.ndarray, expected: np.ndarray) -> tuple[float, int]:
    """The normalised correlation of `expected` with the part of `heard` where it fits best,
    and where (sample offset)."""
    a = heard.astype(np.float64)
    b = expected.astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    spectrum = np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size))
    correlation = np.fft.irfft(spectrum, size)[: len(a) - len(b) + 1]
    offset = int(np.argmax(correlation))
    window = a[offset : offset + len(b)]
    score = float(np.dot(window, b) / (np.linalg.norm(window) * np.linalg.norm(b) + 1e-9))
    return score, offset
