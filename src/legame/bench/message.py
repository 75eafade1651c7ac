"""How long the message check takes on long drafts (``legame bench``'s ``message`` phase).

The drafts are ordinary marketing text, Italian, Spanish and English paragraphs, useful and
pushy, repeated to the size asked and cut there: what a very long newsletter looks like to
the check. The check is linear in the draft; the target is 200,000 characters (the longest
draft it accepts, ``MAX_DRAFT_CHARS``) in under a second.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

#: Draft sizes measured, in characters.
SIZES: tuple[int, ...] = (25_000, 200_000)
#: The brand values every draft is checked against.
VALUES: tuple[str, ...] = ("qualità artigianale", "every dog deserves love", "filiera corta")

_PARAGRAPHS: tuple[str, ...] = (
    "Il pane di questa settimana: farro e lievito madre\n"
    "Buongiorno! Questa settimana sforniamo il pane di farro monococco macinato a pietra dal "
    "mulino Rossi di Bergamo. Si conserva cinque giorni avvolto in un panno di cotone; se "
    "diventa duro, tostalo. Siamo aperti dalle 7:30 alle 19:00, sabato compreso.",
    "ULTIMA OCCASIONE!!! Sconto 50% SOLO OGGI\nNon lasciartelo scappare! Corri sul sito: "
    "l'offerta scade a mezzanotte. Usa il codice FLASH50 al carrello.",
    "How to help an adopted dog feel at home\nThe first weeks after adoption are the most "
    "delicate. Our vet, Dr Ferri, gave us three tips: give the dog a quiet corner, keep the "
    "same times for meals and walks, and don't fill the house with guests. Thank you for "
    "giving a shelter dog a home. 🐶",
    "¡Últimas horas! 30% de descuento\nLa oferta termina esta noche: compra ya y acumula el "
    "doble de puntos. Te recordamos que quedan pocas unidades.",
)


def draft_of(size: int) -> str:
    """An ordinary draft of exactly ``size`` characters (paragraphs repeated, then cut)."""
    parts: list[str] = []
    length = 0
    while length < size:
        part = _PARAGRAPHS[len(parts) % len(_PARAGRAPHS)]
        parts.append(part)
        length += len(part) + 1
    return "\n".join(parts)[:size]


def check_times(sizes: Sequence[int] = SIZES, *, runs: int = 3) -> dict[str, Any]:
    """Median seconds of ``check_message`` per draft size, after one untimed warm-up check
    (which loads the lexicon and the language detector)."""
    from legame.engage.message import check_message

    check_message(draft_of(2_000), list(VALUES))
    runs_s: dict[str, list[float]] = {}
    verdicts: dict[str, str] = {}
    for size in sizes:
        draft = draft_of(size)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            result = check_message(draft, list(VALUES))
            times.append(round(time.perf_counter() - started, 4))
        runs_s[str(size)] = times
        verdicts[str(size)] = result.verdict
    return {
        "status": "ok",
        "runs": runs,
        "median_s": {size: round(statistics.median(t), 4) for size, t in runs_s.items()},
        "runs_s": runs_s,
        "verdicts": verdicts,
    }


def result_key(size: int) -> str:
    """The results JSON key of one size's median: ``message_check_25k_s`` for 25,000."""
    return f"message_check_{size // 1000}k_s" if size % 1000 == 0 else f"message_check_{size}_s"
