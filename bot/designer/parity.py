"""Language parity: everything the assistant says or understands exists in Albanian and English.

Albanian is the line's default language, so a response's Albanian text is its unconditional
variation and the English text is the one conditioned on `language == en`. A response with
figures has a written form for the chat and a spoken one for the phone (conditioned on the
`output_mode` slot too). A gap shows up only when a caller picks the other language or channel,
which is why this is checked before training instead of found in a call. The checks are pure
functions over parsed YAML so that tests can feed them small documents; `check_project()`
applies them to the real files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES

PAIR = LANGUAGES  # Albanian (the unconditional variation) and English


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def variation_language(variation: Mapping[str, Any]) -> str | None:
    """sq for the unconditional variation, the `language` slot value for a conditioned one."""
    conditions = variation.get("condition") or []
    if not conditions:
        return DEFAULT_LANGUAGE
    for condition in conditions:
        if condition.get("type") == "slot" and condition.get("name") == "language":
            return str(condition.get("value"))
    return None  # conditioned on something else: not a language variation


def missing_response_languages(responses: Mapping[str, Any]) -> list[str]:
    """One line per response without an Albanian (unconditional) or English variation."""
    problems = []
    for name, variations in responses.items():
        found = {variation_language(variation) for variation in variations or []}
        for lang in PAIR:
            if lang not in found:
                problems.append(f"response {name}: no {lang} variation")
    return problems


MODES = ("text", "voice")  # the `output_mode` slot: web chat and REST, or the voice gateway


def _matches(variation: Mapping[str, Any], slots: Mapping[str, str]) -> bool:
    return all(condition.get("type") == "slot"
               and slots.get(str(condition.get("name"))) == str(condition.get("value"))
               for condition in variation.get("condition") or [])


def chosen_variations(variations: list[Mapping[str, Any]], lang: str, mode: str) -> list[int]:
    """The variations Rasa chooses among for `lang` and `mode` (indices): the conditioned ones
    that match the slots if any, else the unconditional ones."""
    slots = {"language": lang, "output_mode": mode}
    conditioned = [i for i, v in enumerate(variations) if v.get("condition") and _matches(v, slots)]
    return conditioned or [i for i, v in enumerate(variations) if not v.get("condition")]


def ambiguous_variations(responses: Mapping[str, Any]) -> list[str]:
    """One line per response and (language, mode) for which Rasa would not find exactly one
    variation: none (nothing said) or several (a random one said: a spoken form in the chat)."""
    problems = []
    for name, variations in responses.items():
        for lang in PAIR:
            for mode in MODES:
                found = chosen_variations(list(variations or []), lang, mode)
                if len(found) != 1:
                    problems.append(f"response {name}: {len(found)} variations for {lang} {mode}")
    return problems


def missing_menu_languages(menus: Mapping[str, Any]) -> list[str]:
    """Menu items without a title/say in both languages, and menus with an empty prompt.

    Readout menus (heard right after an answer) have empty prompts on purpose and are exempt.
    """
    problems = []
    for name, menu in menus.items():
        prompt = menu.get("prompt") or {}
        if not menu.get("readout"):
            for lang in PAIR:
                if not str(prompt.get(lang) or "").strip():
                    problems.append(f"menu {name}: empty {lang} prompt")
        for item in menu.get("items") or []:
            for field in ("title", "say"):
                texts = item.get(field) or {}
                for lang in PAIR:
                    if not str(texts.get(lang) or "").strip():
                        problems.append(f"menu {name} key {item.get('key')}: no {lang} {field}")
    return problems


def intents_with_examples(nlu: Iterable[Mapping[str, Any]]) -> set[str]:
    """The intents (with `faq/<key>` retrieval keys) that have at least one example."""
    return {block["intent"] for block in nlu
            if "intent" in block and str(block.get("examples") or "").strip()}


def one_sided_intents(sq: set[str], en: set[str], kind: str = "intent") -> list[str]:
    """One line per intent that has training examples in only one language."""
    return ([f"{kind} {name}: examples in sq only" for name in sorted(sq - en)]
            + [f"{kind} {name}: examples in en only" for name in sorted(en - sq)])


def check_project(root: Path = PROJECT_ROOT) -> tuple[list[str], dict[str, int]]:
    """Every parity problem in the project's domain, FAQ answers, menus and training data,
    and how many responses, menus, FAQ keys and intents were checked."""
    responses = dict(_load(root / "domain.yml").get("responses") or {})
    responses.update(_load(root / "data" / "faq" / "responses.yml").get("responses") or {})
    menus = _load(root / "menus.yml").get("menus") or {}
    problems = (missing_response_languages(responses) + ambiguous_variations(responses)
                + missing_menu_languages(menus))

    def examples(path: Path) -> set[str]:
        return intents_with_examples(_load(path).get("nlu") or [])

    faq = {lang: examples(root / "data" / "faq" / f"{lang}.yml") for lang in PAIR}
    nlu = {lang: examples(root / "data" / "nlu" / f"{lang}.yml") for lang in PAIR}
    problems += one_sided_intents(faq["sq"], faq["en"], "FAQ key")
    problems += one_sided_intents(nlu["sq"], nlu["en"])
    counts = {"responses": len(responses), "menus": len(menus),
              "FAQ keys": len(faq["sq"] | faq["en"]), "intents": len(nlu["sq"] | nlu["en"])}
    return problems, counts
