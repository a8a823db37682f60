"""Checking the training data before training: Rasa's validator, made exact for this project.

Rasa warns about every response that no story or rule utters; here most responses are uttered by
custom actions (`response="utter_..."`) or asked by forms (`utter_ask_<form>_<slot>`). Those
warnings are checked instead of ignored: the response must really be uttered by an action or be
a form's question. Every other warning or error fails the validation (one Rasa 3.6 quirk about
retrieval intents excepted, see EXPECTED).

`example_problems` is the quick check before a training when only NLU examples changed since
the last training that passed `validate` (bot.designer.training_plan): the one thing an edited
example can break that Rasa would not refuse while training is an example written under two
intents or FAQ keys.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.nlu.language_id import labelled_examples
from bot.ops.stack import VENV_BIN, rasa_environment

UNUSED_RESPONSE = re.compile(r"The utterance '(utter_[\w/]+)' is not used in any story or rule\.")
RASA_WARNING = re.compile(r"UserWarning: (.*)")
QUOTED_RESPONSE = re.compile(r"[\"'](utter_\w+)[\"']")
FORM_ASK = re.compile(r"^utter_ask_(\w+?)_form_\w+$")
# Rasa 3.6 merges the retrieval intent it finds in the NLU data with the same intent declared in
# domain.yml and reports it as a duplicate; declaring it is still required (without it the rules
# that use `faq` are rejected). This exact message is expected, nothing more.
EXPECTED = frozenset({
    "The following duplicated intents have been found across multiple domain files: faq",
})


def responses_uttered_by_actions(actions_dir: Path = PROJECT_ROOT / "actions") -> set[str]:
    names: set[str] = set()
    for source in actions_dir.glob("*.py"):
        names.update(QUOTED_RESPONSE.findall(source.read_text(encoding="utf-8")))
    return names


def problems_in(rasa_output: str, uttered: set[str]) -> list[str]:
    """The warnings of `rasa data validate` output that this project does not accept."""
    problems = []
    for line in rasa_output.splitlines():
        warning = RASA_WARNING.search(line)
        if warning is None:
            if " ERROR " in line:
                problems.append(line.strip())
            continue
        message = warning.group(1).strip()
        if message in EXPECTED:
            continue
        unused = UNUSED_RESPONSE.search(message)
        if unused and (unused.group(1) in uttered or FORM_ASK.match(unused.group(1))):
            continue
        problems.append(message)
    return problems


def validate(root: Path = PROJECT_ROOT) -> list[str]:
    """Run Rasa's validator on the project; return what is wrong (empty when all is well)."""
    env = rasa_environment(PYTHONWARNINGS="ignore::DeprecationWarning")
    result = subprocess.run(
        [str(VENV_BIN / "rasa"), "data", "validate", "--domain", "domain.yml", "--data", "data",
         "--config", "config.yml"],
        cwd=root, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    problems = problems_in(output, responses_uttered_by_actions())
    if result.returncode != 0:
        problems.append(f"rasa data validate exited with {result.returncode}")
    return problems


def repeated_examples(labelled: Iterable[tuple[str, str]]) -> list[str]:
    """Examples (compared in lower case) given under more than one intent or FAQ key."""
    labels: dict[str, set[str]] = defaultdict(set)
    for text, label in labelled:
        labels[text.lower()].add(label)
    return [f"the example {text!r} is under more than one intent: {', '.join(sorted(found))}"
            for text, found in sorted(labels.items()) if len(found) > 1]


def example_problems(root: Path = PROJECT_ROOT) -> list[str]:
    """The quick check of the NLU examples alone (see the module's docstring)."""
    files = [path for path in sorted((root / "data").rglob("*.yml"))
             if "nlu:" in path.read_text(encoding="utf-8")]
    return repeated_examples(pair for path in files for pair in labelled_examples(path))
