"""The systemd units of the topology (deploy/systemd, `bot cluster units`): valid for systemd,
restarting their service whenever it dies, and keeping secrets off the command line."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.ops.cluster import Cluster, plan
from bot.ops.units import TEMPLATES, UnitValues, write_units
from tests.support import run_bot


@pytest.fixture()
def units(tmp_path: Path) -> Path:
    write_units(tmp_path, UnitValues(model=str(tmp_path / "model.tar.gz")))
    return tmp_path


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_unit_restarts_its_service_always(units: Path, template: str) -> None:
    text = (units / template).read_text()
    assert "${" not in text  # every value filled
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys are case-sensitive in systemd
    unit.read_string(text)
    service = unit["Service"]
    assert service["Restart"] == "always"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # never given up on
    assert service["ExecStart"].startswith(UnitValues().python)
    assert "TOKEN" not in service["ExecStart"] and "KEY" not in service["ExecStart"]
    assert "cluster.env" in text.split("EnvironmentFile=", 1)[1].splitlines()[0]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="no systemd-analyze (Debian's systemd: scripts/setup.sh --test)")
@pytest.mark.parametrize("template", TEMPLATES)
def test_systemd_accepts_each_unit(units: Path, template: str) -> None:
    instance = units / template.replace("@.", "@5005.")
    shutil.copyfile(units / template, instance)
    result = subprocess.run(["systemd-analyze", "verify", str(instance)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert instance.name not in result.stderr, result.stderr


def test_the_environment_example_names_every_setting_the_parts_read(tmp_path: Path,
                                                                     units: Path) -> None:
    example = {line.split("=", 1)[0] for line in (units / "cluster.env.example").read_text()
               .splitlines() if line and not line.startswith("#")}
    topology = Cluster(plan(tmp_path, tmp_path / "model.tar.gz"))
    wanted = {name for name in topology.environment() if name.startswith("BOT_")}
    assert wanted <= example, wanted - example


def test_bot_cluster_units_writes_them(tmp_path: Path) -> None:
    result = run_bot("cluster", "units", "--out", str(tmp_path / "units"), "--user", "bank")
    assert result.returncode == 0, result.stderr
    assert {path.name for path in (tmp_path / "units").iterdir()} >= set(TEMPLATES)
