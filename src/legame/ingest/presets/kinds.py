"""The fixed set of transforms a preset may name (``kind = "..."``), by name."""

from __future__ import annotations

from legame.ingest.presets.collapse import CollapseRows
from legame.ingest.presets.emails import EmailKey
from legame.ingest.presets.numbers import Number
from legame.ingest.presets.questions import FindQuestions
from legame.ingest.presets.steps import (
    AddMinutes,
    Coalesce,
    Constant,
    HashId,
    MapValues,
    Step,
    Timestamp,
)

KINDS: dict[str, type[Step]] = {
    k.kind: k
    for k in (
        CollapseRows,
        Timestamp,
        MapValues,
        EmailKey,
        AddMinutes,
        HashId,
        Constant,
        FindQuestions,
        Number,
        Coalesce,
    )
}
