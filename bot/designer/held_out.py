"""The trained model against the held-out sets, parsed in this process (one model load).

Sets (never trained on; tests/test_quality.py checks that): per language, the clean set
`tests/nlu/<lang>.yml`, the natural-speech set `tests/nlu/natural/<lang>.yml` and the
out-of-scope set `tests/nlu/out_of_scope/<lang>.yml`. Figures:
- intent macro-F1 over the intents of a set (an FAQ example counts as its answer key,
  `faq/<key>`); a prediction outside the set's intents is a miss, not a new class;
- out-of-scope rejection: the share answered by the fallback (`out_of_scope` or `nlu_fallback`);
- in-scope rejection: the share of the clean and natural sets' banking and dialogue requests
  (their few out-of-scope examples left out) that the fallback answered instead: what more
  out-of-scope data must not raise;
- language identification: the share of messages whose `language` (bot.nlu.language_id) is the
  set's language, over every set (keys and digit strings, which have no language, left out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT
from bot.i18n import LANGUAGES
from bot.nlu.language_id import PARSE_KEY, labelled_examples

HELD_OUT_DIR = PROJECT_ROOT / "tests" / "nlu"
REJECTED = frozenset({"out_of_scope", "nlu_fallback"})
TABLE_HEADER = ("| model | sq clean macro-F1 | sq natural macro-F1 | sq out of scope rejected | "
                "sq in scope rejected | en clean macro-F1 | en natural macro-F1 | "
                "en out of scope rejected | en in scope rejected | language ID |\n"
                "|---|---|---|---|---|---|---|---|---|---|")


def held_out_file(kind: str, language: str) -> Path:
    """kind: "clean", "natural" or "out_of_scope"."""
    return HELD_OUT_DIR / f"{language}.yml" if kind == "clean" else \
        HELD_OUT_DIR / kind / f"{language}.yml"


def macro_f1(pairs: Iterable[tuple[str, str]]) -> float:
    """Macro-averaged F1 over the expected labels of (expected, predicted) pairs."""
    pairs = list(pairs)
    labels = sorted({expected for expected, _ in pairs})
    scores = []
    for label in labels:
        hits = sum(1 for expected, predicted in pairs if expected == predicted == label)
        predicted = sum(1 for _, guess in pairs if guess == label)
        expected = sum(1 for wanted, _ in pairs if wanted == label)
        precision = hits / predicted if predicted else 0.0
        recall = hits / expected if expected else 0.0
        scores.append(2 * precision * recall / (precision + recall) if hits else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def predicted_label(parse: dict[str, Any]) -> str:
    """The intent, or for an FAQ the answer key the response selector chose (`faq/<key>`)."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == "faq":
        selected = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return selected.get("intent_response_key") or intent
    return intent


@dataclass(frozen=True)
class Parsed:
    text: str
    expected: str
    label: str
    language: str | None


@dataclass
class HeldOutReport:
    results: dict[tuple[str, str], list[Parsed]] = field(default_factory=dict)  # (kind, lang)

    def macro_f1(self, kind: str, language: str) -> float:
        return macro_f1((p.expected, p.label) for p in self.results[(kind, language)])

    def rejected(self, language: str) -> float:
        parsed = self.results[("out_of_scope", language)]
        return sum(p.label in REJECTED for p in parsed) / len(parsed)

    def in_scope_rejected(self, language: str) -> list[Parsed]:
        return [p for kind in ("clean", "natural") for p in self.results[(kind, language)]
                if p.expected not in REJECTED and p.label in REJECTED]

    def in_scope_rejection(self, language: str) -> float:
        judged = [p for kind in ("clean", "natural") for p in self.results[(kind, language)]
                  if p.expected not in REJECTED]
        return len(self.in_scope_rejected(language)) / len(judged)

    def misses(self, kind: str, language: str) -> list[str]:
        return [f"{p.text!r}: expected {p.expected}, got {p.label}"
                for p in self.results[(kind, language)]
                if p.label != p.expected and not (kind == "out_of_scope" and p.label in REJECTED)]

    def language_results(self) -> list[tuple[Parsed, str]]:
        return [(p, language) for (_, language), parsed in self.results.items() for p in parsed
                if p.language is not None]

    def language_accuracy(self) -> float:
        judged = self.language_results()
        return sum(p.language == language for p, language in judged) / len(judged)

    def table_cells(self) -> str:
        cells = []
        for language in LANGUAGES:
            cells += [f"{self.macro_f1('clean', language):.3f}",
                      f"{self.macro_f1('natural', language):.3f}",
                      f"{self.rejected(language):.1%}",
                      f"{self.in_scope_rejection(language):.1%}"]
        return " | ".join(cells + [f"{self.language_accuracy():.1%}"])


def load_agent(model: Path) -> Any:
    from rasa.core.agent import Agent

    return Agent.load(str(model))


async def held_out_report(agent: Any, kinds: Iterable[str] = ("clean", "natural",
                                                              "out_of_scope")) -> HeldOutReport:
    report = HeldOutReport()
    for kind in kinds:
        for language in LANGUAGES:
            parsed = []
            for text, expected in labelled_examples(held_out_file(kind, language)):
                parse = await agent.parse_message(text)
                found = parse.get(PARSE_KEY) or {}
                parsed.append(Parsed(text, expected, predicted_label(parse), found.get("code")))
            report.results[(kind, language)] = parsed
    return report
