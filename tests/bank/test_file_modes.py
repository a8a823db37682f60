"""The bank database, keys and everything else in var/ are for their owner only (0600 / 0700)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.security.file_modes import tighten
from tests.support import run_bot


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_db_init_makes_owner_only_files_under_a_permissive_umask(tmp_path: Path) -> None:
    var = tmp_path / "var"
    old = os.umask(0o022)  # the usual default: without the fix, files come out 0644
    try:
        completed = run_bot("db", "init", "--demo", "--database-url", f"sqlite:///{var}/bank.db",
                            env={**os.environ, "BOT_VAR_DIR": str(var)})
    finally:
        os.umask(old)
    assert completed.returncode == 0, completed.stderr
    made = [var, *var.rglob("*")]
    assert var / "bank.db" in made and var / "card.key" in made
    wider = {str(path.relative_to(tmp_path)): oct(_mode(path)) for path in made
             if _mode(path) & 0o077}
    assert wider == {}


def test_tighten_takes_group_and_other_access_from_an_older_var(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "logs").mkdir(parents=True)
    database, log = var / "bank.db", var / "logs" / "rasa.log"
    database.write_text("x")
    log.write_text("y")
    for path, mode in ((var, 0o755), (var / "logs", 0o775), (database, 0o644), (log, 0o666)):
        path.chmod(mode)
    assert set(tighten(var)) == {var, var / "logs", database, log}
    assert [oct(_mode(p)) for p in (var, var / "logs", database, log)] == [
        "0o700", "0o700", "0o600", "0o600"]
    assert tighten(var) == []
