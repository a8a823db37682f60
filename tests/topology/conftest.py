"""The whole scaled-out topology (bot/ops/cluster.py) on loopback, once for the package.

The topology is supervised as `bot cluster up`'s is (a thread here): a part that dies is
started again, unless a fault test keeps it down (`Cluster.kill` ... `release`).

Its HTTP edge passes Rasa's token API from 127.0.0.3 only (as if that were the operator's admin
network; every other test speaks from 127.0.0.1).

Set BOT_TOPOLOGY_FOLDER to the folder of a topology `bot cluster up` started to run the tests
against it instead (quicker while working on them); the fault tests, which stop and start parts
themselves, are skipped then (its supervisor is another process).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.cluster import Cluster, ClusterPlan, new_folder, plan
from bot.ops.stack import latest_model


@pytest.fixture(scope="package")
def topology() -> Iterator[Cluster]:
    running = os.environ.get("BOT_TOPOLOGY_FOLDER")
    if running:
        yield Cluster(ClusterPlan.load(Path(running)))
        return
    model = latest_model()
    assert model is not None, "no trained model in models/ (bot train)"
    cluster_plan = plan(new_folder(), model)
    cluster_plan.admin_networks = ["127.0.0.3/32"]
    cluster = Cluster(cluster_plan)
    cluster.start()
    cluster.watch()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.plan.folder, ignore_errors=True)


# The lines of the parts' logs a failed test's report carries (the folder is gone afterwards).
LOG_LINES_ON_FAILURE = 40
LOG_MARKERS = ("error", "exception", "traceback", "warning", "timeout", "timed out")


def log_excerpt(logs: Path, lines: int = LOG_LINES_ON_FAILURE) -> str:
    """The last `lines` lines of each part's log that say something went wrong."""
    parts = []
    for log in sorted(logs.glob("*.log")):
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
        wrong = [line for line in text if any(m in line.lower() for m in LOG_MARKERS)]
        if wrong:
            parts.append(f"--- {log.name} ---\n" + "\n".join(wrong[-lines:]))
    return "\n".join(parts) or "(no part logged anything wrong)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed topology test's report carries what the parts logged as wrong."""
    outcome = yield
    report = outcome.get_result()
    cluster = getattr(item, "funcargs", {}).get("topology")
    if report.failed and isinstance(cluster, Cluster) and cluster.logs.is_dir():
        report.sections.append(("topology logs", log_excerpt(cluster.logs)))


@pytest.fixture()
def own_topology(topology: Cluster) -> Cluster:
    """The topology, for a test that stops and starts its parts (not one `bot cluster up` runs)."""
    if not topology.processes:
        pytest.skip("the parts of a `bot cluster up` topology are its supervisor's")
    return topology
