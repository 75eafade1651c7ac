"""Calibration / holdout checks of a purchase model.

Fit on a calibration period, predict each customer's purchases in the holdout period that
follows (length ``t``), and compare with what they actually bought, grouped by calibration
frequency (0, 1, ..., ``max_frequency``+). This is the check Fader, Hardie & Lee (2005) show
for CDNOW (their Figure 4: conditional expectations by calibration frequency).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from . import _inputs as inp
from ._inputs import FloatArray
from .base import PurchaseModel


@dataclass(frozen=True)
class HoldoutTable:
    """Predicted vs actual holdout purchases per calibration-frequency group.

    Arrays are aligned: ``labels[i]`` ("0", "1", ..., "7+") has ``customers[i]`` customers
    who bought ``actual[i]`` times in the holdout in all, against ``predicted[i]``.
    """

    labels: tuple[str, ...]
    customers: FloatArray
    actual: FloatArray
    predicted: FloatArray

    @property
    def total_actual(self) -> float:
        return float(self.actual.sum())

    @property
    def total_predicted(self) -> float:
        return float(self.predicted.sum())

    @property
    def relative_error(self) -> float:
        """(predicted - actual) / actual over all customers."""
        return (self.total_predicted - self.total_actual) / self.total_actual

    def rows(self) -> list[dict[str, float | str]]:
        """One dict per group, with per-customer means, for printing or a DataFrame."""
        out: list[dict[str, float | str]] = []
        for i, label in enumerate(self.labels):
            n = float(self.customers[i])
            out.append(
                {
                    "frequency": label,
                    "customers": n,
                    "actual": float(self.actual[i]),
                    "predicted": float(self.predicted[i]),
                    "actual_mean": float(self.actual[i]) / n if n else float("nan"),
                    "predicted_mean": float(self.predicted[i]) / n if n else float("nan"),
                }
            )
        return out


def holdout_table(
    model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    actual_holdout: ArrayLike,
    t: float,
    *,
    weights: ArrayLike | None = None,
    max_frequency: int = 7,
) -> HoldoutTable:
    """Group customers by calibration frequency and compare predicted with actual purchases.

    ``actual_holdout`` is the number of purchases (purchase days, counted like frequency) each
    customer made in the holdout of length ``t`` (same time unit as T). With ``weights``, each
    row stands for that many customers and ``actual_holdout`` is their mean.
    """
    where = "holdout_table"
    model._check_fitted(where)
    y = inp.as_column(actual_holdout, name="actual_holdout", where=where)
    _, (x, t_x, T_) = model._histories(where, frequency, recency, T)
    inp.same_length(where, {"frequency": x, "actual_holdout": y})
    inp.check_at_least(where, "actual_holdout", y, 0.0)
    w = inp.check_weights(where, weights, x.size)
    t_ = inp.check_scalar(where, "t", t, low=0.0, low_open=True)
    predicted = model._purchase_curve(x, t_x, T_)(t_)
    group = np.minimum(x, max_frequency).astype(np.intp)
    k = max_frequency + 1
    labels = (*(str(i) for i in range(max_frequency)), f"{max_frequency}+")
    return HoldoutTable(
        labels=labels,
        customers=np.bincount(group, w, minlength=k).astype(np.float64),
        actual=np.bincount(group, w * y, minlength=k).astype(np.float64),
        predicted=np.bincount(group, w * predicted, minlength=k).astype(np.float64),
    )
