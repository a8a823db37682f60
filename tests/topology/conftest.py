"""The whole scaled-out topology (bot/ops/cluster.py) on loopback, once for the package.

Its HTTP edge passes Rasa's token API from 127.0.0.3 only (as if that were the operator's admin
network; every other test speaks from 127.0.0.1).

Set BOT_TOPOLOGY_FOLDER to the folder of a topology `bot cluster up` started to run the tests
against it instead (quicker while working on them; the fault tests kill parts of it).
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
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.plan.folder, ignore_errors=True)
