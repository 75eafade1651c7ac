"""The message check on the labelled drafts: precision and recall of "rethink", language.

``data/drafts.jsonl`` holds 114 drafts written for this project (38 each in Italian, Spanish
and English; subject on the first line, body below), each with the brand's values (some in
another language than the draft), a label (send / rethink) and a short reason.

How the split came about, honestly:

1. 75 drafts were written before the lexicon and thresholds; every third one per language
   (24) was held out and the method tuned on the other 51. Evaluated once, that held-out
   split gave rethink precision 0.667 and recall 1.000 (whole set: 0.848 / 1.000): all six
   errors were useful, clean drafts whose values showed only through related practice (a
   mill "eight miles away" for "filiera corta", a refunded surcharge for "honestidad").
2. Having been looked at, those 24 drafts became ``dev``. A fresh held-out split of 39
   drafts (13 per language, ids ``*-26`` to ``*-38``) was written *before* the values
   alignment was changed (concept weights, related concepts, distance patterns), and was
   evaluated once after that change: rethink precision 0.833, recall 1.000, language 1.000
   (whole set 0.894 / 1.000). Three of its four false "rethink" were values shown without
   any word of the lexicon (a power-cut notice for "seguridad"); the fourth was a data bug
   ("prezzo pieno", full price, listed as an incentive), fixed afterwards. With that fix the
   same split reads precision 0.870; that number is no longer a clean held-out measurement.

Floors, and why these numbers:

* **precision of rethink >= 0.80** — a wrong "rethink" costs the marketer a second look, not
  a lost campaign, but if more than about one in five were wrong they would stop reading the
  reasons. We aimed for 0.85 and measured 0.833 on the clean held-out split, so this floor
  was set *after* measuring: it guards against regressions, it is not evidence of quality.
  With 20 flagged held-out drafts, one error moves precision by about 0.04.
* **recall of rethink >= 0.90** — catching pushy, incentive-only and empty drafts is the
  point of the check (seed 000: "if not, go back and think"); both held-out rounds measured
  1.000, and 0.90 still allows two misses among the 20 held-out rethink drafts.
* **language accuracy >= 0.95** — every check depends on the language; drafts of a few
  sentences are easy for lingua, so at most one miss in twenty is tolerated.

The same floors apply to the whole set (mostly tuned on) and to the held-out split.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from legame.engage.message import MessageCheck, check_message, detect_language

MIN_PRECISION = 0.80
MIN_RECALL = 0.90
MIN_LANGUAGE_ACCURACY = 0.95


@pytest.fixture(scope="module")
def checked(labelled_drafts: list[dict[str, Any]]) -> list[tuple[dict[str, Any], MessageCheck]]:
    check_message("Warm-up\nLoads the lexicon and the language models once.", [])
    return [(row, check_message(row["text"], row["values"])) for row in labelled_drafts]


def _metrics(pairs: list[tuple[dict[str, Any], MessageCheck]]) -> dict[str, float]:
    tp = sum(r["label"] == "rethink" and c.verdict == "rethink" for r, c in pairs)
    fp = sum(r["label"] == "send" and c.verdict == "rethink" for r, c in pairs)
    fn = sum(r["label"] == "rethink" and c.verdict == "send" for r, c in pairs)
    return {
        "n": len(pairs),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "language": sum(r["language"] == c.language for r, c in pairs) / len(pairs),
        "fp": fp,
        "fn": fn,
    }


def _line(name: str, m: dict[str, float]) -> str:
    return (
        f"{name:<9} n={m['n']:<3} rethink precision={m['precision']:.3f} "
        f"recall={m['recall']:.3f} (false rethink {m['fp']}, missed {m['fn']}) "
        f"language accuracy={m['language']:.3f}"
    )


def test_labelled_set_is_large_balanced_and_split(labelled_drafts: list[dict[str, Any]]) -> None:
    rows = labelled_drafts
    assert len(rows) >= 60
    assert len({r["id"] for r in rows}) == len(rows)
    by_language = Counter(r["language"] for r in rows)
    assert set(by_language) == {"it", "es", "en"}
    assert min(by_language.values()) >= 20
    rethink_share = sum(r["label"] == "rethink" for r in rows) / len(rows)
    assert 0.4 <= rethink_share <= 0.6
    test_share = sum(r["split"] == "test" for r in rows) / len(rows)
    assert 0.3 <= test_share <= 0.36
    for row in rows:
        assert set(row) == {"id", "split", "language", "label", "values", "why", "text"}
        assert row["label"] in {"send", "rethink"} and row["split"] in {"dev", "test"}
        assert row["values"] and all(isinstance(v, str) and v for v in row["values"])
        assert "\n" in row["text"] and row["why"]


def test_labelled_set_has_values_in_another_language(labelled_drafts: list[dict[str, Any]]) -> None:
    crossed = [
        r for r in labelled_drafts if any(detect_language(v) != r["language"] for v in r["values"])
    ]
    assert len(crossed) >= 10


@pytest.mark.parametrize("split", ["all", "test"])
def test_rethink_precision_recall_and_language_meet_floors(
    checked: list[tuple[dict[str, Any], MessageCheck]],
    metrics_report: list[str],
    split: str,
) -> None:
    pairs = [(r, c) for r, c in checked if split == "all" or r["split"] == split]
    m = _metrics(pairs)
    name = "whole set" if split == "all" else "held-out"
    metrics_report.append(_line(name, m))
    print(_line(name, m))
    assert m["precision"] >= MIN_PRECISION
    assert m["recall"] >= MIN_RECALL
    assert m["language"] >= MIN_LANGUAGE_ACCURACY


def test_every_rethink_comes_with_a_reason(
    checked: list[tuple[dict[str, Any], MessageCheck]],
) -> None:
    for _, result in checked:
        assert result.reasons
        if result.verdict == "rethink":
            assert result.flags or any("None of your values" in r for r in result.reasons)


def test_latency_per_warm_check_is_well_under_a_second(
    labelled_drafts: list[dict[str, Any]], metrics_report: list[str]
) -> None:
    check_message("Warm-up\nLoads the lexicon and the language models once.", [])
    timings = []
    for row in labelled_drafts:
        start = time.perf_counter()
        check_message(row["text"], row["values"])
        timings.append(time.perf_counter() - start)
    timings.sort()
    median, worst = timings[len(timings) // 2], timings[-1]
    line = f"latency   median={median * 1000:.1f} ms  max={worst * 1000:.1f} ms per check (warm)"
    metrics_report.append(line)
    print(line)
    # Generous: a warm check takes tens of milliseconds; seconds would mean the detector or
    # the lexicon is being rebuilt on every call.
    assert median < 0.5
