"""Which intent model and which fallback thresholds: cross-validation on the training data only
(the held-out sets under tests/nlu are never looked at here).

    .venv/bin/python bench/nlu_model_bench.py [--folds 5] [--seeds 2] [--quick]

Every intent example of data/ (an FAQ question labelled with its answer key, `faq/<key>`) is
classified by a model that never saw it (stratified k-fold, repeated with `--seeds` shuffles).
Each candidate configuration of bot.nlu.intent_model is trained on the other folds; each pair
of FallbackClassifier thresholds (confidence, ambiguity) is then applied as the pipeline does
(bot.nlu.linear_classifier: an intent's confidence is its best label's; no known word means
the fallback). The score is the macro-F1 over every label, out_of_scope included, where a
message the fallback answers counts as out_of_scope: one figure that falls when a banking
request is missed or rejected and when an out-of-scope request is answered. Printed: per
configuration the best thresholds with that score, out-of-scope rejection and in-scope
rejection; the best configuration last. Training time per fit is printed too.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.intent_model import IntentModel, ModelConfig, project_examples  # noqa: E402

REJECTED = "out_of_scope"
THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
AMBIGUITIES = (0.0, 0.02, 0.05)


@dataclass
class OutOfFold:
    """Per example: best label, best intent's confidence, second intent's, knows a word."""

    label: np.ndarray
    top: np.ndarray
    second: np.ndarray
    known: np.ndarray


def out_of_fold(texts: list[str], labels: list[str], config: ModelConfig, folds: int,
                seed: int) -> tuple[OutOfFold, float]:
    texts_array, labels_array = np.array(texts, dtype=object), np.array(labels)
    result = OutOfFold(np.empty(len(texts), dtype=object), np.zeros(len(texts)),
                       np.zeros(len(texts)), np.zeros(len(texts), dtype=bool))
    fit_seconds = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(
            texts_array, labels_array):
        started = time.monotonic()
        model = IntentModel.learn(list(texts_array[train]), list(labels_array[train]), config)
        fit_seconds.append(time.monotonic() - started)
        probabilities = model.probabilities(texts_array[test])
        intents = [label.split("/", 1)[0] for label in model.labels]
        for row, index in zip(probabilities, test, strict=True):
            order = np.argsort(-row)
            best: dict[str, float] = {}
            for position in order:
                best.setdefault(intents[position], float(row[position]))
            confidences = sorted(best.values(), reverse=True)
            result.label[index] = model.labels[order[0]]
            result.top[index] = confidences[0]
            result.second[index] = confidences[1] if len(confidences) > 1 else 0.0
            result.known[index] = model.knows_a_word(texts_array[index])
    return result, float(np.mean(fit_seconds))


def judged(labels: list[str], runs: list[OutOfFold], threshold: float,
           ambiguity: float) -> tuple[float, float, float]:
    """(macro-F1 with the fallback as out_of_scope, out-of-scope rejected, in scope rejected)"""
    expected = np.array(labels)
    scores, rejected_out, rejected_in = [], [], []
    for run in runs:
        fallback = (run.top < threshold) | (run.top - run.second < ambiguity) | ~run.known
        predicted = np.where(fallback, REJECTED, run.label)
        rejected = predicted == REJECTED
        scores.append(f1_score(expected, predicted, labels=sorted(set(labels)),
                               average="macro", zero_division=0))
        rejected_out.append(rejected[expected == REJECTED].mean())
        rejected_in.append(rejected[expected != REJECTED].mean())
    return float(np.mean(scores)), float(np.mean(rejected_out)), float(np.mean(rejected_in))


def candidates(quick: bool) -> list[ModelConfig]:
    base = ModelConfig()
    if quick:
        return [base]
    return [replace(base, alpha=alpha, balanced=balanced, char_ngrams=chars,
                    max_word_ngram=words)
            for alpha, balanced, chars, words in itertools.product(
                (1e-5, 2e-5, 5e-5, 1e-4), (False, True), ((1, 4), (1, 5)), (1, 2))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="only the default configuration")
    args = parser.parse_args()
    texts, labels = project_examples(ROOT)
    print(f"{len(texts)} training examples, {len(set(labels))} labels, {args.folds}-fold, "
          f"{args.seeds} shuffle(s)\n")
    print("| alpha | balanced | char n-grams | word n-grams | fit (s) | threshold | ambiguity "
          "| CV macro-F1 | out of scope rejected | in scope rejected |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    best: tuple[float, str] | None = None
    for config in candidates(args.quick):
        runs, fits = [], []
        for seed in range(args.seeds):
            run, fit = out_of_fold(texts, labels, config, args.folds, seed)
            runs.append(run)
            fits.append(fit)
        score, threshold, ambiguity = max(
            (judged(labels, runs, threshold, ambiguity)[0], threshold, ambiguity)
            for threshold in THRESHOLDS for ambiguity in AMBIGUITIES)
        _, out, inside = judged(labels, runs, threshold, ambiguity)
        row = (f"| {config.alpha:g} | {config.balanced} | {config.char_ngrams[0]}-"
               f"{config.char_ngrams[1]} | 1-{config.max_word_ngram} | {np.mean(fits):.1f} | "
               f"{threshold} | {ambiguity} | {score:.4f} | {out:.1%} | {inside:.1%} |")
        print(row, flush=True)
        if best is None or score > best[0]:
            best = (score, row)
    assert best is not None
    print(f"\nbest:\n{best[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
