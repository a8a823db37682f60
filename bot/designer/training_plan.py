"""Which check `bot train` runs before it trains: the whole validator, or the quick check of the
NLU examples when they are all that changed since the last training that passed the whole one.

Every training is a full training: the NLU pipeline trains in seconds (bench/RESULTS.md), and
Rasa's cache (.rasa/cache) restores the parts whose input did not change, such as the rules
when only examples changed. (Until 2026-12 `bot train` fine-tuned the TensorFlow models after
an example change; with nothing slow left to train, fine-tuning would save nothing.) The time
left to save is the check: `bot validate` runs Rasa's whole validator (~12 s), while the only
thing an edited example can break that training would not refuse is an example written under
two intents or FAQ keys (`bot.designer.validation.example_problems`, under a second).

`plan()` is the rule (pure); `project_fingerprint()` reads the project files.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

RECORD = "last-checked-training.json"  # in the models folder: the fingerprint then


@dataclass(frozen=True)
class ProjectFingerprint:
    """What decides between the quick and the whole check (hashes of the relevant parts)."""

    pipeline: str  # config.yml
    domain: str  # domain.yml without its responses
    responses: str  # the responses of domain.yml and data/
    rules: str  # rules and stories
    labels: str  # intents, FAQ keys and entity names of the NLU data
    patterns: str  # synonyms, regexes, lookup tables
    examples: str  # the NLU examples themselves


@dataclass(frozen=True)
class Plan:
    quick_check: bool
    reason: str


_WHAT = {"pipeline": "the pipeline (config.yml)", "domain": "the domain's intents, entities, "
         "slots, forms or actions", "responses": "responses", "rules": "the rules or stories",
         "labels": "the intents, FAQ keys or entities of the NLU data",
         "patterns": "synonyms, regexes or lookup tables"}


def plan(current: ProjectFingerprint, checked: ProjectFingerprint | None,
         whole_requested: bool = False) -> Plan:
    """The quick check when only NLU examples changed since the last whole check."""
    if whole_requested:
        return Plan(False, "the whole check was asked for (--full)")
    if checked is None:
        return Plan(False, "no training has passed the whole check here yet")
    changed = [name for name in _WHAT if getattr(current, name) != getattr(checked, name)]
    if changed:
        return Plan(False, "changed since the last whole check: "
                    + ", ".join(_WHAT[name] for name in changed))
    if current.examples == checked.examples:
        return Plan(False, "nothing changed since the last whole check")
    return Plan(True, "only NLU examples changed since the last whole check")


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_ENTITY = re.compile(r"\]\((\w+)[:)]|\"entity\"\s*:\s*\"(\w+)\"")


def _nlu_parts(blocks: list[dict[str, Any]]) -> tuple[set[str], list[Any], list[Any]]:
    labels: set[str] = set()
    patterns: list[Any] = []
    examples: list[Any] = []
    for block in blocks:
        if "intent" in block:
            examples.append(block)
            labels.add(f"intent:{block['intent']}")
            for match in _ENTITY.finditer(str(block.get("examples") or "")):
                labels.add(f"entity:{match.group(1) or match.group(2)}")
        else:
            patterns.append(block)
    return labels, patterns, examples


def project_fingerprint(root: Path) -> ProjectFingerprint:
    config = yaml.safe_load((root / "config.yml").read_text(encoding="utf-8"))
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
    responses: list[Any] = [domain.pop("responses", None)]
    rules: list[Any] = []
    labels: set[str] = set()
    patterns: list[Any] = []
    examples: list[Any] = []
    for path in sorted((root / "data").rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        responses.append(content.get("responses"))
        rules += content.get("rules") or []
        rules += content.get("stories") or []
        file_labels, file_patterns, file_examples = _nlu_parts(content.get("nlu") or [])
        labels |= file_labels
        patterns += file_patterns
        examples += file_examples
    return ProjectFingerprint(pipeline=_digest(config), domain=_digest(domain),
                              responses=_digest(responses), rules=_digest(rules),
                              labels=_digest(sorted(labels)), patterns=_digest(patterns),
                              examples=_digest(examples))


def read_checked(models_dir: Path) -> ProjectFingerprint | None:
    """The project's fingerprint at the last training that passed the whole check."""
    try:
        saved = json.loads((models_dir / RECORD).read_text(encoding="utf-8"))
        return ProjectFingerprint(**saved["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_checked(models_dir: Path, fingerprint: ProjectFingerprint) -> None:
    models_dir.mkdir(parents=True, exist_ok=True)
    (models_dir / RECORD).write_text(json.dumps({"fingerprint": asdict(fingerprint)}, indent=2),
                                     encoding="utf-8")
