"""A key pressed or typed stands for its menu item's intent: which action answers that intent.

The answer comes from the rules themselves (data/rules.yml): a rule that starts with the intent
names the action, so keys, speech and text are always routed alike.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT

RULES_FILE = PROJECT_ROOT / "data" / "rules.yml"


@lru_cache(maxsize=1)
def action_for_intent(rules_file: Path = RULES_FILE) -> dict[str, str]:
    """intent -> the action that unconditional rules run first for it."""
    with rules_file.open(encoding="utf-8") as handle:
        rules = yaml.safe_load(handle)["rules"]
    mapping: dict[str, str] = {}
    for rule in rules:
        steps = rule.get("steps", [])
        if rule.get("condition") or rule.get("conversation_start") or len(steps) < 2:
            continue
        intent, action = steps[0].get("intent"), steps[1].get("action")
        if intent and action:
            mapping.setdefault(intent, action)
    return mapping
