"""Text turns per second through the HTTP edge (HAProxy) with 2 Rasa replicas, then 1.

    .venv/bin/python bench/http_edge_bench.py [--clients 8] [--seconds 60]

Starts the topology of `bot cluster up` (PostgreSQL, Redis, 2 Rasa replicas, 2 action servers,
HAProxy; no SIP part) in a temporary folder. `--clients` web users then each walk the keypad
menus (main menu -> individual customers -> back, one REST turn each: intent, action call, menu
payload, tracker in PostgreSQL, lock in Redis) as fast as answers come, for `--seconds`: first
with both replicas behind the edge, then with replica 2 stopped (HAProxy's health check takes
it out; the same clients, the same conversations). Same run, same load generator: the figure
that matters is the ratio of turns per second. On one 2-core machine the replicas share the
cores with everything else, so this is a floor for replicas on their own machines.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.turn_bench import post as say  # noqa: E402 (one REST turn, timed)
from bot.ops.cluster import Cluster, new_folder, plan  # noqa: E402
from bot.ops.stack import latest_model  # noqa: E402

WALK = ["1", "*"]


def load(url: str, senders: list[str], seconds: float) -> dict[str, float]:
    """Every client walks the menus until `seconds` have passed; turns/s and latency."""
    stop = time.monotonic() + seconds
    times: list[float] = []
    lock = threading.Lock()

    def client(sender: str) -> None:
        turn = 0
        while time.monotonic() < stop:
            elapsed = say(url, sender, WALK[turn % 2])
            turn += 1
            with lock:
                times.append(elapsed)

    started = time.monotonic()
    with ThreadPoolExecutor(len(senders)) as pool:
        list(pool.map(client, senders))
    wall = time.monotonic() - started
    ordered = sorted(times)
    return {"turns": len(times), "turns_per_s": round(len(times) / wall, 2),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[round(0.95 * (len(ordered) - 1))] * 1000, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    model = latest_model()
    if model is None:
        sys.exit("no trained model: run `bot train` first")
    cluster = Cluster(plan(new_folder(), model, rasa_replicas=2, action_servers=2,
                           sip_workers=0))
    started = time.monotonic()
    try:
        cluster.start(timeout=900)
        print(f"topology up in {time.monotonic() - started:.0f} s", file=sys.stderr)
        url = cluster.plan.http_url
        senders = [f"edge-{uuid.uuid4().hex}" for _ in range(args.clients)]
        for sender in senders:
            say(url, sender, "/greet")
            say(url, sender, "2")
        load(url, senders, 10)  # warm up both replicas
        two = load(url, senders, args.seconds)
        cluster.kill("rasa2")
        time.sleep(4)  # HAProxy's checks (every 1 s, 2 failures) take it out
        one = load(url, senders, args.seconds)
    finally:
        cluster.stop()
        shutil.rmtree(cluster.plan.folder, ignore_errors=True)
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.node()}",
        "load_average_1m": round(os.getloadavg()[0], 2), "model": model.name,
        "clients": args.clients, "seconds": args.seconds,
        "2 replicas": two, "1 replica": one,
        "ratio_turns_per_s": round(two["turns_per_s"] / one["turns_per_s"], 2)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
