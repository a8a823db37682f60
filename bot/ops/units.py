"""systemd units for the topology on real machines (deploy/systemd/, docs/deploy.md).

On one machine `bot cluster up` supervises every part itself; across machines each part is a
systemd unit that restarts it whenever it dies (`Restart=always`, never given up on). The
templates in deploy/systemd/ are filled here with this checkout's paths: `bot cluster units`.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.ops.cluster import DEPLOY_DIR, render
from bot.ops.stack import VENV_BIN, latest_model

UNITS_DIR = DEPLOY_DIR / "systemd"
TEMPLATES = ("bank-rasa@.service", "bank-actions@.service", "bank-sip@.service")
COPIED = ("restart-always.conf", "cluster.env.example")


@dataclass(frozen=True)
class UnitValues:
    """What the templates are filled with (one machine's view of the topology)."""

    user: str = "bank"
    host: str = "127.0.0.1"  # the address this machine's services listen on
    rasa_url: str = "http://127.0.0.1:8080"  # the HTTP edge, for the SIP workers
    web_origin: str = "https://chat.bank.example"
    config_dir: str = "/etc/bank-assistant"
    var_dir: str = "/var/lib/bank-assistant"
    project_root: str = str(PROJECT_ROOT)
    python: str = str(VENV_BIN / "python")
    model: str = ""

    @property
    def env_file(self) -> str:
        return f"{self.config_dir}/cluster.env"


def write_units(out: Path, values: UnitValues | None = None) -> list[Path]:
    """The filled units (and the engines' drop-in, the environment example) in `out`."""
    if values is None:
        model = latest_model()
        values = UnitValues(model=str(model) if model else "/srv/bank-assistant/model.tar.gz")
    fill = {**asdict(values), "env_file": values.env_file}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TEMPLATES:
        path = out / name
        path.write_text(render((UNITS_DIR / name).read_text(encoding="utf-8"), fill),
                        encoding="utf-8")
        written.append(path)
    for name in COPIED:
        written.append(Path(shutil.copyfile(UNITS_DIR / name, out / name)))
    return written
