"""Whether `bot train` may fine-tune the last full model or must train from scratch.

Rasa 3.6 fine-tunes (`rasa train --finetune`, "incremental training", experimental) only when
the pipeline is unchanged apart from epochs, the domain is unchanged apart from responses, and
the NLU data has exactly the intents and entities it had. We ask for more: a full training also
when the rules change (the line's behaviour is in them) and when regexes, lookup tables or
synonyms change (the regex featurizer's patterns would be merged, not replaced). The word
vocabulary of a fine-tuned model stays the base model's: a new word in an added example is
known only through its character n-grams until the next full training.

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

FINETUNED_SUFFIX = "-finetuned.tar.gz"
BASE_RECORD = "last-full-training.json"  # in the models folder: the base model and its fingerprint
EPOCH_FRACTION = 0.2  # of config.yml's epochs, when fine-tuning


@dataclass(frozen=True)
class ProjectFingerprint:
    """What decides between fine-tuning and a full training (hashes of the relevant parts)."""

    pipeline: str  # config.yml
    domain: str  # domain.yml without its responses
    rules: str  # rules and stories
    labels: str  # intents, FAQ keys and entity names of the NLU data
    patterns: str  # synonyms, regexes, lookup tables
    examples: str  # the NLU examples themselves


@dataclass(frozen=True)
class Plan:
    finetune: bool
    reason: str


_WHAT = {"pipeline": "the pipeline (config.yml)", "domain": "the domain's intents, entities, "
         "slots, forms or actions", "rules": "the rules or stories", "labels": "the intents, "
         "FAQ keys or entities of the NLU data", "patterns": "synonyms, regexes or lookup tables"}


def plan(current: ProjectFingerprint, base: ProjectFingerprint | None, base_model_exists: bool,
         full_requested: bool = False) -> Plan:
    """Fine-tune when only NLU examples or responses changed since the last full training."""
    if full_requested:
        return Plan(False, "a full training was asked for (--full)")
    if base is None or not base_model_exists:
        return Plan(False, "no fully trained model to start from")
    changed = [name for name in _WHAT if getattr(current, name) != getattr(base, name)]
    if changed:
        return Plan(False, "changed since the last full training: "
                    + ", ".join(_WHAT[name] for name in changed))
    if current.examples == base.examples:
        return Plan(False, "no NLU example changed since the last full training (Rasa's cache "
                    "restores what is trained)")
    return Plan(True, "only NLU examples or responses changed since the last full training")


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
    domain.pop("responses", None)
    rules: list[Any] = []
    labels: set[str] = set()
    patterns: list[Any] = []
    examples: list[Any] = []
    for path in sorted((root / "data").rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rules += content.get("rules") or []
        rules += content.get("stories") or []
        file_labels, file_patterns, file_examples = _nlu_parts(content.get("nlu") or [])
        labels |= file_labels
        patterns += file_patterns
        examples += file_examples
    return ProjectFingerprint(pipeline=_digest(config), domain=_digest(domain),
                              rules=_digest(rules), labels=_digest(sorted(labels)),
                              patterns=_digest(patterns), examples=_digest(examples))


def read_base(models_dir: Path) -> tuple[Path, ProjectFingerprint] | None:
    """The last full model and the project's fingerprint when it was trained."""
    record = models_dir / BASE_RECORD
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
        return models_dir / saved["model"], ProjectFingerprint(**saved["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_base(models_dir: Path, model: Path, fingerprint: ProjectFingerprint) -> None:
    (models_dir / BASE_RECORD).write_text(json.dumps(
        {"model": model.name, "fingerprint": asdict(fingerprint)}, indent=2), encoding="utf-8")


def is_finetuned(model: Path) -> bool:
    return model.name.endswith(FINETUNED_SUFFIX)


def latest_full_model(models_dir: Path) -> Path | None:
    """The newest model trained from scratch (what `bot evaluate` and the quality gate judge)."""
    models = sorted((path for path in models_dir.glob("*.tar.gz") if not is_finetuned(path)),
                    key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None
