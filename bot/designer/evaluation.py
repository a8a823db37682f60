"""Measuring the assistant: NLU per language on held-out examples, and the test stories.

`bot evaluate` judges the newest model (training one first when there is none). It writes
Rasa's reports (per-intent precision/recall/F1, confusion matrix and histogram images) under
`reports/` (not committed), adds per-intent and per-FAQ-key F1 charts (`intent_f1.png`,
`faq_f1.png`, bot.designer.f1_chart) and prints the summary figures that bench/RESULTS.md
records, then the natural-speech, out-of-scope and language figures (bot.designer.held_out).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.designer.f1_chart import plot_f1
from bot.designer.held_out import HELD_OUT_DIR, HeldOutReport
from bot.i18n import LANGUAGES
from bot.ops.stack import VENV_BIN, latest_model, rasa_environment

__all__ = ["HELD_OUT_DIR", "describe", "describe_held_out", "evaluate_all", "evaluate_nlu",
           "evaluate_stories", "model_to_judge"]
STORIES_DIR = PROJECT_ROOT / "tests" / "stories"
REPORTS_DIR = PROJECT_ROOT / "reports"
# the pipeline's entity extractor (bot.nlu.entity_component); Rasa names its report after it
ENTITY_EXTRACTOR = "LexiconEntityExtractor"


@dataclass(frozen=True)
class NluScores:
    language: str
    examples: int
    intent_f1: float          # weighted average over intents
    intent_macro_f1: float
    intent_accuracy: float
    response_f1: float | None  # FAQ answers (the answer key chosen for `faq`)
    entity_f1: float | None
    report_dir: Path


def _rasa(*args: str) -> None:
    subprocess.run([str(VENV_BIN / "rasa"), *args], cwd=PROJECT_ROOT, env=rasa_environment(),
                   check=True, stdout=subprocess.DEVNULL)


def _weighted_f1(report_file: Path) -> float | None:
    if not report_file.exists():
        return None
    report = json.loads(report_file.read_text())
    return report.get("weighted avg", {}).get("f1-score")


def evaluate_nlu(model: Path, language: str, out: Path = REPORTS_DIR) -> NluScores:
    report_dir = out / f"nlu-{language}"
    _rasa("test", "nlu", "--model", str(model), "--nlu", str(HELD_OUT_DIR / f"{language}.yml"),
          "--out", str(report_dir))
    intents = json.loads((report_dir / "intent_report.json").read_text())
    plot_f1(report_dir / "intent_report.json", report_dir / "intent_f1.png",
            f"Intent F1 per intent ({language}, held out)")
    plot_f1(report_dir / "response_selection_report.json", report_dir / "faq_f1.png",
            f"FAQ answer F1 per key ({language}, held out)")
    return NluScores(
        language=language,
        examples=int(intents["weighted avg"]["support"]),
        intent_f1=intents["weighted avg"]["f1-score"],
        intent_macro_f1=intents["macro avg"]["f1-score"],
        intent_accuracy=intents.get("accuracy", 0.0),
        response_f1=_weighted_f1(report_dir / "response_selection_report.json"),
        entity_f1=_weighted_f1(report_dir / f"{ENTITY_EXTRACTOR}_report.json"),
        report_dir=report_dir,
    )


def evaluate_all(model: Path, out: Path = REPORTS_DIR) -> list[NluScores]:
    return [evaluate_nlu(model, language, out) for language in LANGUAGES]


def evaluate_stories(model: Path, out: Path = REPORTS_DIR) -> tuple[int, int]:
    """Run the test stories; returns (stories passed, stories failed)."""
    report_dir = out / "stories"
    _rasa("test", "core", "--model", str(model), "--stories", str(STORIES_DIR), "--out",
          str(report_dir), "--no-plot")
    failed_file = report_dir / "failed_test_stories.yml"
    failed = failed_file.read_text().count("- story:") if failed_file.exists() else 0
    total = sum(path.read_text().count("- story:") for path in STORIES_DIR.glob("*.yml"))
    return total - failed, failed


def describe(scores: NluScores) -> str:
    optional = "".join(
        f", {name} F1 {value:.3f}" for name, value in
        (("FAQ response", scores.response_f1), ("entity", scores.entity_f1)) if value is not None)
    return (f"{scores.language}: {scores.examples} held-out examples, intent F1 "
            f"{scores.intent_f1:.3f} (macro {scores.intent_macro_f1:.3f}, accuracy "
            f"{scores.intent_accuracy:.3f}){optional}; report in {scores.report_dir}")


def model_to_judge() -> Path:
    """The newest model; a training first when there is none."""
    newest = latest_model()
    if newest is not None:
        return newest
    from bot.ops.commands import train

    print("no trained model yet: training one", flush=True)
    return train()


def describe_held_out(report: HeldOutReport) -> list[str]:
    lines = [f"{language}: natural speech macro-F1 {report.macro_f1('natural', language):.3f} "
             f"(clean {report.macro_f1('clean', language):.3f}), out of scope rejected "
             f"{report.rejected(language):.1%} (in scope wrongly: "
             f"{report.in_scope_rejection(language):.1%})" for language in LANGUAGES]
    return lines + [f"language identified per message: {report.language_accuracy():.1%}"]
