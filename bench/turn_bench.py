"""Text-turn benchmark: this assistant against a bare `rasa init` bot, measured the same way.

    .venv/bin/python bench/turn_bench.py [--turns 90] [--model models/x.tar.gz]
                                         [--baseline-root DIR]

Both bots run here on free loopback ports: this project's stack (Rasa server, action server,
SMTP sink, a fresh demo bank, as `bot run` starts them) and the starter bot that
`rasa init --no-prompt` makes and trains in a temporary folder (no custom actions). A turn is one
POST to the REST channel (`/webhooks/rest/webhook`), timed from the request to the full answer.
The turns of the bots are interleaved (one of each in turn), so that whatever else the machine
is doing weighs on all alike; the figure that matters is the ratio of the medians. Beside the
wall time, the CPU time the bot's server processes spent per turn (Rasa, and the action server)
is read from /proc: it does not depend on how busy the machine is.

`--baseline-root DIR` runs a second copy of the assistant from another checkout (e.g. `git
archive main | tar -x -C DIR`) with the same model, interleaved with the others: a before/after
comparison measured in one run.

The assistant's turns walk the keypad tree as a text user does: a key into a sub-menu (main ->
individual customers), a key to repeat it, and "back" in words (-> main menu); each answer is
checked to be the menu expected, so a walk that went astray fails instead of measuring something
else. The starter bot's turns alternate its `greet` and `mood_great` examples.
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
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
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

ASSISTANT_OPENING = ["hi", "2"]  # the language menu, then English: the main menu
# (typed text, the menu each answer must show)
ASSISTANT_WALK = [("1", "individual"), ("9", "individual"), ("back", "main")]
BARE_WALK = [("hello", None), ("I am great", None)]


def post(url: str, sender: str, text: str) -> tuple[float, list[dict]]:
    """Seconds for one REST turn (request sent -> whole answer read), and the answer."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        replies = json.loads(response.read())
    elapsed = time.perf_counter() - start
    if not replies:
        raise RuntimeError(f"no answer to {text!r}")
    return elapsed, replies


def shown_menu(replies: list[dict]) -> str | None:
    return next((reply["custom"].get("menu") for reply in replies
                 if isinstance(reply.get("custom"), dict)), None)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Bot:
    """One bot under test: where it answers, its walk, its server processes."""

    name: str
    url: str
    walk: list[tuple[str, str | None]]
    pids: list[int]
    sender: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex}")
    seconds: list[float] = field(default_factory=list)
    cpu: float = 0.0

    def turn(self, index: int, timed: bool) -> None:
        text, menu = self.walk[index % len(self.walk)]
        before = sum(cpu_seconds(pid) for pid in self.pids)
        elapsed, replies = post(self.url, self.sender, text)
        if menu is not None and shown_menu(replies) != menu:
            raise RuntimeError(f"{self.name}: {text!r} showed {shown_menu(replies)!r}, "
                               f"not the {menu!r} menu: the walk went astray")
        if timed:
            self.seconds.append(elapsed)
            self.cpu += sum(cpu_seconds(pid) for pid in self.pids) - before

    def summary(self) -> dict[str, float | str | int]:
        ms = [value * 1000 for value in self.seconds]
        return {"bot": self.name, "turns": len(ms), "p50_ms": round(statistics.median(ms), 1),
                "p95_ms": round(percentile(ms, 0.95), 1),
                "mean_ms": round(statistics.fmean(ms), 1),
                "cpu_ms_per_turn": round(1000 * self.cpu / len(ms), 1)}


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


def start_assistant(stack: ExitStack, name: str, folder: Path, model: Path,
                    root: Path) -> Bot:
    config = scratch_config(folder, model)
    config.root = root
    init_demo_bank(config, quiet=True)  # stdout is the JSON result
    started = stack.enter_context(running(config, timeout=900))
    pids = [started.processes["rasa"].pid, started.processes["actions"].pid]
    return Bot(name, config.rasa_url, ASSISTANT_WALK, pids)


def start_bare(stack: ExitStack, bare_dir: Path, log: Path) -> Bot:
    model = bare_bot(bare_dir)
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--model", str(model), "--interface", "127.0.0.1",
         "--port", str(port), "--enable-api"],
        cwd=bare_dir, env=rasa_environment(), stdout=log.open("wb"), stderr=subprocess.STDOUT)
    stack.callback(_stop, process)
    url = f"http://127.0.0.1:{port}"
    wait_for(url, process)
    return Bot("bare rasa init", url, BARE_WALK, [process.pid])


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def measure(bots: list[Bot], turns: int, warm_up: int = 6,
            opening: Callable[[Bot], None] | None = None) -> None:
    for bot in bots:
        if opening is not None:
            opening(bot)
    for turn in range(turns + warm_up):
        for bot in bots:  # the first turns warm caches (tracker, featurizers)
            bot.turn(turn, timed=turn >= warm_up)


def open_conversation(bot: Bot) -> None:
    if bot.walk is ASSISTANT_WALK:
        for text in ASSISTANT_OPENING:
            post(bot.url, bot.sender, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=90, help="timed turns per bot")
    parser.add_argument("--model", type=Path, default=None, help="default: the latest model")
    parser.add_argument("--bare-dir", type=Path, default=BARE_DIR,
                        help="where the starter bot is made and kept (default: %(default)s)")
    parser.add_argument("--baseline-root", type=Path, default=None,
                        help="another checkout of the assistant to measure in the same run")
    args = parser.parse_args()
    model = args.model or latest_model()
    if model is None:
        sys.exit("no trained model: run `bot train` first")

    with tempfile.TemporaryDirectory(prefix="turn-bench-") as scratch, ExitStack() as stack:
        scratch_dir = Path(scratch)
        bots = [start_assistant(stack, "this assistant", scratch_dir / "assistant", model,
                                PROJECT_ROOT)]
        if args.baseline_root is not None:
            bots.append(start_assistant(stack, f"baseline ({args.baseline_root})",
                                        scratch_dir / "baseline", model,
                                        args.baseline_root.resolve()))
        bots.append(start_bare(stack, args.bare_dir, scratch_dir / "bare.log"))
        measure(bots, args.turns, opening=open_conversation)

    rows = [bot.summary() for bot in bots]
    bare = rows[-1]
    for row in rows[:-1]:
        row["p50_ratio"] = round(row["p50_ms"] / bare["p50_ms"], 2)  # type: ignore[operator]
        row["cpu_ratio"] = round(row["cpu_ms_per_turn"] / bare["cpu_ms_per_turn"], 2)  # type: ignore[operator]
    result = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.node()}",
              "load_average": os.getloadavg(), "model": model.name, "rows": rows}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
