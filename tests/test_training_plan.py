"""When `bot train` fine-tunes and when it trains from scratch (the rule, on a copy of the
project's own files)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.designer.training_plan import (
    BASE_RECORD,
    ProjectFingerprint,
    is_finetuned,
    latest_full_model,
    plan,
    project_fingerprint,
    read_base,
    write_base,
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


def test_an_added_example_is_fine_tuned(project: Path) -> None:
    before, after = _after(project, "- intent: check_balance\n  examples: |\n",
                           "- intent: check_balance\n  examples: |\n    - balance right now\n",
                           "data/nlu/en.yml")
    decision = plan(after, before, base_model_exists=True)
    assert decision.finetune, decision


def test_a_changed_response_needs_no_training_of_its_own(project: Path) -> None:
    before, after = _after(project, "responses:\n", "responses:\n  utter_new_words:\n"
                           "  - text: \"new\"\n", "domain.yml")
    assert after == before
    decision = plan(after, before, base_model_exists=True)
    assert not decision.finetune and "cache" in decision.reason


@pytest.mark.parametrize(("file", "old", "new", "what"), [
    ("config.yml", "epochs: 50", "epochs: 60", "pipeline"),
    ("domain.yml", "  - main_menu\n", "  - main_menu\n  - new_intent\n", "domain"),
    ("data/rules.yml", "  - rule: out of scope\n", "  - rule: out of scope, renamed\n", "rules"),
    ("data/nlu/en.yml", "- intent: out_of_scope\n", "- intent: new_intent\n  examples: |\n"
     "    - something new\n\n- intent: out_of_scope\n", "NLU data"),
    ("data/nlu/shared.yml", "- synonym: ALL\n", "- synonym: ALL\n  examples: |\n"
     "    - lekë të reja\n- synonym: ALLX\n", "synonyms"),
])
def test_other_changes_train_from_scratch(project: Path, file: str, old: str, new: str,
                                          what: str) -> None:
    before, after = _after(project, old, new, file)
    decision = plan(after, before, base_model_exists=True)
    assert not decision.finetune
    assert what in decision.reason


def test_full_when_asked_or_when_there_is_no_base() -> None:
    fingerprint = ProjectFingerprint("a", "b", "c", "d", "e", "f")
    changed = replace(fingerprint, examples="g")
    assert plan(changed, fingerprint, True).finetune
    assert not plan(changed, fingerprint, True, full_requested=True).finetune
    assert not plan(changed, None, False).finetune
    assert not plan(changed, fingerprint, base_model_exists=False).finetune


def test_the_base_record_and_the_model_kinds(tmp_path: Path) -> None:
    assert read_base(tmp_path) is None
    (tmp_path / BASE_RECORD).write_text("{not json")
    assert read_base(tmp_path) is None
    full = tmp_path / "20261204-120000-full.tar.gz"
    full.write_bytes(b"")
    fingerprint = ProjectFingerprint("a", "b", "c", "d", "e", "f")
    write_base(tmp_path, full, fingerprint)
    assert read_base(tmp_path) == (full, fingerprint)
    finetuned = tmp_path / "20261204-130000-finetuned.tar.gz"
    finetuned.write_bytes(b"")
    assert is_finetuned(finetuned) and not is_finetuned(full)
    assert latest_full_model(tmp_path) == full


def _fine_tuning_project(project: Path) -> Path:
    """The project as if fully trained just now (an empty file stands in for the model)."""
    models = project / "models"
    models.mkdir()
    model = models / "20261204-120000-full.tar.gz"
    model.write_bytes(b"")
    write_base(models, model, project_fingerprint(project))
    return project


def test_a_fine_tuning_checks_the_examples_and_refuses_one_under_two_intents(
        project: Path) -> None:
    _fine_tuning_project(project)
    # "call me a taxi" is already an out-of-scope example (data/nlu/out_of_scope/en.yml)
    _edit(project / "data" / "nlu" / "en.yml", "- intent: check_balance\n  examples: |\n",
          "- intent: check_balance\n  examples: |\n    - Call me a taxi\n")
    assert plan(project_fingerprint(project), read_base(project / "models")[1], True).finetune
    with pytest.raises(DataProblems) as refused:
        train(root=project, check=True)  # refused before Rasa is started
    assert refused.value.problems == ["the example 'call me a taxi' is under more than one "
                                      "intent: check_balance, out_of_scope"]
    assert list((project / "models").glob("*finetuned*")) == []


def test_the_examples_check_passes_the_project_and_names_faq_keys() -> None:
    assert example_problems() == []
    assert repeated_examples([("reset it", "faq/change_password"), ("Reset it", "faq/logout"),
                              ("reset it", "faq/change_password"), ("hello", "greet")]) == [
        "the example 'reset it' is under more than one intent: faq/change_password, faq/logout"]
