"""Text-turn benchmark: this assistant against a bare `rasa init` bot, measured the same way.

    .venv/bin/python bench/turn_bench.py [--turns 60] [--model models/x.tar.gz]

Both bots run here on free loopback ports: this project's stack (Rasa server, action server,
SMTP sink, a fresh demo bank, as `bot run` starts them) and the starter bot that
`rasa init --no-prompt` makes and trains in a temporary folder (no custom actions). A turn is one
POST to the REST channel (`/webhooks/rest/webhook`), timed from the request to the full answer.
The turns of the two bots are interleaved (one of each in turn), so that whatever else the
machine is doing weighs on both alike; the figure that matters is the ratio of the medians.

The assistant's turns walk the keypad tree by typed keys (main menu -> individual customers ->
back), each turn an intent, an action-server round trip and a menu payload, as a text user's
turns are. The starter bot's turns alternate its `greet` and `mood_great` examples.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import PROJECT_ROOT  # noqa: E402
from bot.ops.stack import (  # noqa: E402
    VENV_BIN,
    free_port,
    init_demo_bank,
    latest_model,
    rasa_environment,
    running,
    scratch_config,
)

BARE_DIR = PROJECT_ROOT / "var" / "bench" / "bare-rasa"

ASSISTANT_WALK = ["1", "*"]  # individual customers, back to the main menu
ASSISTANT_OPENING = ["hi", "2"]  # the language menu, then English: the main menu
BARE_WALK = ["hello", "I am great"]


def post(url: str, sender: str, text: str) -> float:
    """Seconds for one REST turn (request sent -> whole answer read)."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        replies = json.loads(response.read())
    elapsed = time.perf_counter() - start
    if not replies:
        raise RuntimeError(f"no answer to {text!r}")
    return elapsed


def wait_for(url: str, process: subprocess.Popen, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the bare Rasa server exited")
        try:
            with urllib.request.urlopen(f"{url}/status", timeout=2) as response:  # noqa: S310
                if b"model_file" in response.read():
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError("the bare Rasa server did not start")


def bare_bot(folder: Path) -> Path:
    """`rasa init --no-prompt` in `folder`: the starter project, trained (kept there, so a
    second run reuses it). Returns its model."""
    trained = sorted((folder / "models").glob("*.tar.gz"))
    if trained:
        return trained[-1]
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
                   cwd=folder, env=rasa_environment(), check=True, timeout=1800,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return sorted((folder / "models").glob("*.tar.gz"))[-1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float]) -> dict[str, float | str | int]:
    ms = [value * 1000 for value in seconds]
    return {"bot": name, "turns": len(ms), "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(percentile(ms, 0.95), 1), "mean_ms": round(statistics.fmean(ms), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=60, help="timed turns per bot")
    parser.add_argument("--model", type=Path, default=None, help="default: the latest model")
    parser.add_argument("--bare-dir", type=Path, default=BARE_DIR,
                        help="where the starter bot is made and kept (default: %(default)s)")
    args = parser.parse_args()
    model = args.model or latest_model()
    if model is None:
        sys.exit("no trained model: run `bot train` first")

    with tempfile.TemporaryDirectory(prefix="turn-bench-") as scratch:
        scratch_dir = Path(scratch)
        bare_dir = args.bare_dir
        started = time.monotonic()
        bare_model = bare_bot(bare_dir)
        print(f"bare bot trained in {time.monotonic() - started:.0f} s", file=sys.stderr)

        config = scratch_config(scratch_dir / "assistant", model)
        init_demo_bank(config)
        bare_port = free_port()
        bare_log = (scratch_dir / "bare.log").open("wb")
        bare = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(bare_model), "--interface",
             "127.0.0.1", "--port", str(bare_port), "--enable-api"],
            cwd=bare_dir, env=rasa_environment(), stdout=bare_log, stderr=subprocess.STDOUT)
        try:
            with running(config):
                bare_url = f"http://127.0.0.1:{bare_port}"
                wait_for(bare_url, bare)
                ours, theirs = [], []
                ours_sender, bare_sender = f"bench-{uuid.uuid4().hex}", f"b-{uuid.uuid4().hex}"
                for text in ASSISTANT_OPENING:
                    post(config.rasa_url, ours_sender, text)
                post(bare_url, bare_sender, BARE_WALK[0])
                for turn in range(args.turns + 4):
                    a = post(config.rasa_url, ours_sender, ASSISTANT_WALK[turn % 2])
                    b = post(bare_url, bare_sender, BARE_WALK[turn % 2])
                    if turn >= 4:  # the first turns warm caches (tracker, featurizers)
                        ours.append(a)
                        theirs.append(b)
        finally:
            bare.terminate()
            bare.wait(timeout=30)

    rows = [summary("this assistant", ours), summary("bare rasa init", theirs)]
    ratio = rows[0]["p50_ms"] / rows[1]["p50_ms"]  # type: ignore[operator]
    result = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.node()}",
              "model": model.name, "rows": rows, "p50_ratio": round(ratio, 2)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
