"""The per-intent F1 chart `bot evaluate` adds to Rasa's NLU reports."""

from __future__ import annotations

import json
from pathlib import Path

from bot.designer.f1_chart import f1_by_label, plot_f1


def test_chart_from_a_rasa_intent_report(tmp_path: Path) -> None:
    report = tmp_path / "intent_report.json"
    report.write_text(
        json.dumps(
            {
                "greet": {
                    "precision": 1.0,
                    "recall": 0.8,
                    "f1-score": 0.889,
                    "support": 5,
                    "confused_with": {},
                },
                "lost_card": {"precision": 0.9, "recall": 1.0, "f1-score": 0.947, "support": 8},
                "accuracy": 0.93,
                "macro avg": {"precision": 0.95, "recall": 0.9, "f1-score": 0.918, "support": 13},
                "weighted avg": {
                    "precision": 0.94,
                    "recall": 0.92,
                    "f1-score": 0.925,
                    "support": 13,
                },
            }
        )
    )
    assert f1_by_label(report) == {"greet": (0.889, 5), "lost_card": (0.947, 8)}
    image = plot_f1(report, tmp_path / "intent_f1.png", "Intent F1 (en)")
    assert image is not None and image.read_bytes().startswith(b"\x89PNG")
    assert plot_f1(tmp_path / "absent.json", tmp_path / "x.png", "none") is None
