"""The training data and domain pass Rasa's validator (as made exact by bot.designer.validation)."""

from __future__ import annotations

from bot.designer.validation import problems_in, responses_uttered_by_actions, validate


def test_project_data_is_valid() -> None:
    assert validate() == []


def test_a_response_nobody_utters_is_reported() -> None:
    output = ("UserWarning: The utterance 'utter_forgotten' is not used in any story or rule.\n"
              "UserWarning: The utterance 'utter_credit_limit' is not used in any story or rule.")
    assert problems_in(output, responses_uttered_by_actions()) == [
        "The utterance 'utter_forgotten' is not used in any story or rule."]


def test_other_warnings_are_reported() -> None:
    output = "UserWarning: Issue found in 'data/rules.yml': Found intent 'x' in stories"
    assert problems_in(output, set()) == [
        "Issue found in 'data/rules.yml': Found intent 'x' in stories"]
