"""Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007).

At the end of each period a customer renews or cancels; their cancel probability theta is
constant over time and theta ~ Beta(alpha, beta) across customers. With T the period in which
a customer cancels (T = 1: did not renew at the first renewal opportunity):

    P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)        t = 1, 2, ...
    S(t)     = B(alpha, beta + t) / B(alpha, beta)                 (still a customer after t)
    r(t)     = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)

Data: one row per distinct (periods, alive) with weights. A churned row (alive False) with
periods t contributes ln P(T = t); an active row with periods t (renewals so far, right
censored) contributes ln S(t). A cohort of 1,000 customers observed for 7 years becomes 8 rows:
the numbers lost in years 1..7 (alive False) and the survivors after year 7 (alive True).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood
from ._special import hyp2f1_one
from .base import BaseModel


class _SBGLikelihood(LogLikelihood):
    n_params = 2
    has_gradient = True

    def __init__(self, periods: FloatArray, alive: FloatArray, w: FloatArray) -> None:
        self._raw = (periods, alive, w)
        self.n_rows = int(w.size)
        self.total_weight = float(w.sum())
        churned = alive == 0
        # churned: B(alpha+1, beta+t-1); active: B(alpha, beta+t) -> shift (da, db) per row
        self.da = np.where(churned, 1.0, 0.0)
        self.db = np.where(churned, periods - 1, periods)
        self.w = w

    def row_weights(self) -> FloatArray:
        return self.w

    def take(self, rows: IntArray, weights: FloatArray) -> _SBGLikelihood:
        periods, alive, _ = self._raw
        return _SBGLikelihood(periods[rows], alive[rows], weights)

    def value(self, phi: FloatArray) -> float:
        return self.value_and_grad(phi)[0]

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        alpha, beta = np.exp(phi)
        A, B = alpha + self.da, beta + self.db
        N = self.total_weight
        ll = self.w @ betaln(A, B) - N * betaln(alpha, beta)
        psi_ab = digamma(A + B)
        g_a = self.w @ (digamma(A) - psi_ab) - N * (digamma(alpha) - digamma(alpha + beta))
        g_b = self.w @ (digamma(B) - psi_ab) - N * (digamma(beta) - digamma(alpha + beta))
        return float(ll), np.array([g_a * alpha, g_b * beta])


class ShiftedBetaGeometric(BaseModel):
    """sBG retention model for subscriptions (discrete renewal periods).

    Parameters ``alpha, beta`` of the beta distribution of the per-period cancel probability;
    its mean alpha / (alpha + beta) is the first-period churn rate.
    """

    _param_names = ("alpha", "beta")
    _fit_args = "periods, alive, weights=..."

    def fit(
        self, periods: ArrayLike, alive: ArrayLike, *, weights: ArrayLike | None = None
    ) -> ShiftedBetaGeometric:
        """Fit on (periods, alive) rows with customer counts as ``weights``.

        ``periods``: for a customer who cancelled (``alive`` False), the period in which they
        left (1 = did not renew at the first opportunity); for an active customer (``alive``
        True, right censored), the number of renewal periods survived so far (>= 0).
        """
        where = f"{type(self).__name__}.fit"
        self._start_fit()
        t = inp.as_column(periods, name="periods", where=where)
        a = inp.as_column(alive, name="alive", where=where)
        n = inp.same_length(where, {"periods": t, "alive": a})
        w = inp.check_weights(where, weights, n)
        inp.check_whole(where, "periods", t)
        not_bool = (a != 0) & (a != 1)
        if not_bool.any():
            i = int(np.flatnonzero(not_bool)[0])
            raise inp.fail(
                where,
                "alive",
                "hold booleans (True = still a customer)",
                f"alive={a[i]:g} at row {i}",
            )
        early = (a == 0) & (t < 1)
        if early.any():
            i = int(np.flatnonzero(early)[0])
            raise inp.fail(
                where,
                "periods",
                "be >= 1 where alive is False",
                f"periods={t[i]:g} with alive=False at row {i}",
                "A customer who cancelled did so in period 1 or later.",
            )
        w, t, a = inp.drop_zero_weights(w, t, a)
        self._fit_likelihood(_SBGLikelihood(t, a, w), np.array([1.0, 1.0]))
        return self

    def _hints(self) -> list[str]:
        return [
            "check that some customers cancelled and some are still active: with only one "
            "kind, alpha and beta are not identified;"
        ]

    def _periods(
        self, method: str, t: ArrayLike, minimum: int
    ) -> tuple[FloatArray, tuple[int, ...]]:
        where = f"{type(self).__name__}.{method}"
        arr = inp.as_floats(t, name="t", where=where)
        inp.check_whole(where, "t", arr.reshape(-1), minimum=minimum)
        return arr.reshape(-1), arr.shape

    def predict_survival(self, t: ArrayLike) -> FloatArray | float:
        """S(t): share of a new cohort still a customer after t periods (S(0) = 1)."""
        alpha, beta = self._theta("predict_survival")
        flat, shape = self._periods("predict_survival", t, 0)
        return inp.shaped(np.exp(betaln(alpha, beta + flat) - betaln(alpha, beta)), shape)

    def predict_retention(self, t: ArrayLike) -> FloatArray | float:
        """r(t) = S(t)/S(t-1): share of those active after t-1 periods who renew at t (t >= 1)."""
        alpha, beta = self._theta("predict_retention")
        flat, shape = self._periods("predict_retention", t, 1)
        return inp.shaped((beta + flat - 1) / (alpha + beta + flat - 1), shape)

    def predict_churn(self, t: ArrayLike) -> FloatArray | float:
        """P(T = t): share of a new cohort that cancels in period t (t >= 1)."""
        alpha, beta = self._theta("predict_churn")
        flat, shape = self._periods("predict_churn", t, 1)
        return inp.shaped(np.exp(betaln(alpha + 1, beta + flat - 1) - betaln(alpha, beta)), shape)

    def predict_derl(self, renewals: ArrayLike, *, discount_rate: float) -> FloatArray | float:
        """Discounted expected residual lifetime (Fader & Hardie 2010, eq. 6).

        For a customer who has made ``renewals`` renewals (n - 1 in the paper) and now faces
        the next one: the expected number of further renewals, the next one undiscounted and
        the k-th after it discounted by (1 + d)^-k, with d = ``discount_rate`` per period,

            DERL = sum_{t >= n} S(t)/S(n-1) (1+d)^-(t-n)
                 = (beta+n-1)/(alpha+beta+n-1) * 2F1(1, beta+n; alpha+beta+n; 1/(1+d)).

        Times the payment per renewal it is the customer's discounted expected residual value.
        """
        alpha, beta = self._theta("predict_derl")
        where = f"{type(self).__name__}.predict_derl"
        d = inp.check_scalar(where, "discount_rate", discount_rate, low=0.0, low_open=True)
        flat, shape = self._periods("predict_derl", renewals, 0)
        n = flat + 1
        out = (
            (beta + n - 1)
            / (alpha + beta + n - 1)
            * hyp2f1_one(beta + n, alpha + beta + n, 1.0 / (1.0 + d))
        )
        return inp.shaped(out, shape)
