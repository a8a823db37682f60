"""Owner-only files: the bank database, keys, tracker store, logs and mail never readable by others.

Every `bot` command sets the process umask to 077 before it creates anything, so what it and its
child processes (Rasa, the action server, the mail sink) write is 0600 and every folder 0700.
Files made before (an older checkout, another tool) are tightened when `var/` is prepared.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077  # files 0600, folders 0700


def owner_only_from_now() -> None:
    """Files and folders this process and its children create are for their owner only."""
    os.umask(PRIVATE_UMASK)


def tighten(folder: Path) -> list[Path]:
    """Make `folder` and everything below it owner-only; returns what had wider permissions."""
    loosened: list[Path] = []
    if not folder.is_dir():
        return loosened
    paths = [folder, *folder.rglob("*")]
    for path in paths:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)  # the owner keeps what it had, group and others lose all
            loosened.append(path)
    return loosened
