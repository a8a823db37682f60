"""`bot.sip` knows nothing of menus or the bank (issue 16): no module of it imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.sip

FORBIDDEN = ("bot.menus", "bot.bank", "actions")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_bot_sip_imports_no_menus_and_no_bank() -> None:
    package = Path(bot.sip.__file__).parent
    offending = {
        f"{path.name}: {name}"
        for path in sorted(package.glob("*.py"))
        for name in _imports(path)
        if any(name == layer or name.startswith(layer + ".") for layer in FORBIDDEN)
    }
    assert offending == set()
