"""Which check `bot train` runs before it trains (the rule, on a copy of the project's own
files): the quick check of the examples when only they changed, else the whole validator."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.designer.training_plan import (
    RECORD,
    ProjectFingerprint,
    plan,
    project_fingerprint,
    read_checked,
    write_checked,
)
from bot.designer.validation import example_problems, repeated_examples
from bot.ops.commands import DataProblems, train


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(PROJECT_ROOT / name, tmp_path / name)
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _after(project: Path, old: str, new: str, file: str) -> tuple[ProjectFingerprint,
                                                                    ProjectFingerprint]:
    before = project_fingerprint(project)
    _edit(project / file, old, new)
    return before, project_fingerprint(project)


def test_an_added_example_gets_the_quick_check(project: Path) -> None:
    before, after = _after(project, "- intent: check_balance\n  examples: |\n",
                           "- intent: check_balance\n  examples: |\n    - balance right now\n",
                           "data/nlu/en.yml")
    decision = plan(after, before)
    assert decision.quick_check, decision


@pytest.mark.parametrize(("file", "old", "new", "what"), [
    ("config.yml", "pipeline:\n", "pipeline:\n  - name: WhitespaceTokenizer\n", "pipeline"),
    ("domain.yml", "  - main_menu\n", "  - main_menu\n  - new_intent\n", "domain"),
    ("domain.yml", "responses:\n", "responses:\n  utter_new_words:\n  - text: \"new\"\n",
     "responses"),
    ("data/faq/responses.yml", "responses:\n", "responses:\n  utter_faq/new:\n"
     "  - text: \"new\"\n", "responses"),
    ("data/rules.yml", "  - rule: out of scope\n", "  - rule: out of scope, renamed\n", "rules"),
    ("data/nlu/en.yml", "- intent: out_of_scope\n", "- intent: new_intent\n  examples: |\n"
     "    - something new\n\n- intent: out_of_scope\n", "NLU data"),
    ("data/nlu/shared.yml", "- synonym: ALL\n", "- synonym: ALL\n  examples: |\n"
     "    - lekë të reja\n- synonym: ALLX\n", "synonyms"),
])
def test_other_changes_get_the_whole_check(project: Path, file: str, old: str, new: str,
                                           what: str) -> None:
    before, after = _after(project, old, new, file)
    decision = plan(after, before)
    assert not decision.quick_check
    assert what in decision.reason


def test_the_whole_check_when_asked_unchecked_or_unchanged() -> None:
    fingerprint = ProjectFingerprint("a", "b", "c", "d", "e", "f", "g")
    changed = replace(fingerprint, examples="h")
    assert plan(changed, fingerprint).quick_check
    assert not plan(changed, fingerprint, whole_requested=True).quick_check
    assert not plan(changed, None).quick_check
    assert not plan(fingerprint, fingerprint).quick_check


def test_the_record_of_the_last_whole_check(tmp_path: Path) -> None:
    assert read_checked(tmp_path) is None
    (tmp_path / RECORD).write_text("{not json")
    assert read_checked(tmp_path) is None
    fingerprint = ProjectFingerprint("a", "b", "c", "d", "e", "f", "g")
    write_checked(tmp_path, fingerprint)
    assert read_checked(tmp_path) == fingerprint


def test_the_quick_check_refuses_an_example_under_two_intents(project: Path) -> None:
    write_checked(project / "models", project_fingerprint(project))
    # "call me a taxi" is already an out-of-scope example (data/nlu/out_of_scope/en.yml)
    _edit(project / "data" / "nlu" / "en.yml", "- intent: check_balance\n  examples: |\n",
          "- intent: check_balance\n  examples: |\n    - Call me a taxi\n")
    assert plan(project_fingerprint(project), read_checked(project / "models")).quick_check
    with pytest.raises(DataProblems) as refused:
        train(root=project, check=True)  # refused before Rasa is started
    assert refused.value.problems == ["the example 'call me a taxi' is under more than one "
                                      "intent: check_balance, out_of_scope"]
    assert list((project / "models").glob("*.tar.gz")) == []


def test_the_examples_check_passes_the_project_and_names_faq_keys() -> None:
    assert example_problems() == []
    assert repeated_examples([("reset it", "faq/change_password"), ("Reset it", "faq/logout"),
                              ("reset it", "faq/change_password"), ("hello", "greet")]) == [
        "the example 'reset it' is under more than one intent: faq/change_password, faq/logout"]
