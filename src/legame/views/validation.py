"""Validation: the latest holdout check of the purchase models, as ``legame clv validate``
stored it (pages never refit)."""

from __future__ import annotations

from typing import Any

from legame.store import Workspace
from legame.validation import load_validation


def validation(ws: Workspace) -> dict[str, Any] | None:
    """The stored validation (:meth:`legame.validation.Validation.to_dict` with
    ``computed_at``), or None before the first ``legame clv validate``."""
    return load_validation(ws)
