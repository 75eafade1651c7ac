"""One contract, checked on every model (in the spirit of scikit-learn's estimator checks)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import legame.models
from legame.errors import InputError, NotFittedError
from legame.models import (
    BetaGeo,
    CovariateBetaGeo,
    CovariateGammaGamma,
    GammaGamma,
    LatentDropout,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from legame.models.base import BaseModel

Columns = list[np.ndarray]


def _take_rows(columns: Columns, rows: np.ndarray) -> Columns:
    return [c[rows] for c in columns]


def _take_customers(columns: Columns, rows: np.ndarray) -> Columns:
    """LatentDropout's columns: three per customer, then the covariates per repeat purchase,
    which go with their customer."""
    x, t_x, T, covariates = columns
    first = np.r_[0, np.cumsum(x)[:-1]].astype(int)
    decisions = [np.arange(first[i], first[i] + int(x[i])) for i in rows]
    return [x[rows], t_x[rows], T[rows], covariates[np.concatenate([[], *decisions]).astype(int)]]


@dataclass(frozen=True)
class Case:
    model: type[BaseModel]
    columns: Callable[[SimpleNamespace], Columns]  # test data -> fit's positional columns
    predictions: list[tuple[str, tuple[Any, ...]]]
    #: The names of params_, when they depend on the hyperparameters (default ones here).
    names: tuple[str, ...] = ()
    #: The columns of some customers (repeats allowed), in the given order.
    take: Callable[[Columns, np.ndarray], Columns] = _take_rows

    def __str__(self) -> str:
        return self.model.__name__

    @property
    def param_names(self) -> tuple[str, ...]:
        return self.names or self.model._param_names


def _rfm(d: SimpleNamespace) -> Columns:
    c = d.cdnow
    return [c.frequency, c.recency, c.T]


def _spend(d: SimpleNamespace) -> Columns:
    c = d.cdnow
    repeat = c.frequency > 0
    return [c.frequency[repeat], c.monetary_value[repeat]]


def _dropout(d: SimpleNamespace) -> Columns:
    return list(d.dropout)


def _big_spender(c: Any) -> np.ndarray:
    """A static covariate of the CDNOW customers: mean repeat spend above $30 (1 or 0)."""
    return (c.monetary_value > 30).astype(float)


def _rfm_covariate(d: SimpleNamespace) -> Columns:
    return [*_rfm(d), _big_spender(d.cdnow)]


def _spend_covariate(d: SimpleNamespace) -> Columns:
    repeat = d.cdnow.frequency > 0
    return [*_spend(d), (d.cdnow.id[repeat] % 2).astype(float)]


def _retention(_: SimpleNamespace) -> Columns:
    # Fader & Hardie (2007) High End cohort, one row per customer
    survivors = np.array([1000, 869, 743, 653, 593, 551, 517, 491])
    lost = survivors[:-1] - survivors[1:]
    periods = np.r_[np.repeat(np.arange(1, 8), lost), np.full(survivors[-1], 7)]
    alive = np.r_[np.zeros(lost.sum()), np.ones(survivors[-1])]
    return [periods.astype(float), alive]


PURCHASE_PREDICTIONS = [
    ("predict_alive", (2, 30.0, 38.0)),
    ("predict_purchases", (39.0, 2, 30.0, 38.0)),
    ("expected_purchases", (39.0,)),
]
CASES = [
    Case(BetaGeo, _rfm, PURCHASE_PREDICTIONS),
    Case(ParetoNBD, _rfm, PURCHASE_PREDICTIONS),
    Case(ModifiedBetaGeo, _rfm, PURCHASE_PREDICTIONS),
    Case(GammaGamma, _spend, [("predict_spend", (3, 25.0))]),
    Case(
        ShiftedBetaGeometric,
        _retention,
        [
            ("predict_survival", (3,)),
            ("predict_retention", (3,)),
            ("predict_churn", (3,)),
            ("predict_derl", (2,)),
        ],
    ),
    Case(
        LatentDropout,
        _dropout,
        [("predict_dropout", ([1.0],)), ("predict_alive", (2, 30.0, 38.0, [[0.0], [1.0]]))],
        names=("r", "alpha", "a", "b", "beta_z"),
        take=_take_customers,
    ),
    Case(
        CovariateBetaGeo,
        _rfm_covariate,
        [
            ("predict_alive", (2, 30.0, 38.0, [1.0])),
            ("predict_purchases", (39.0, 2, 30.0, 38.0, [1.0])),
            ("expected_purchases", (39.0, [1.0])),
        ],
        names=("r", "alpha", "a", "b", "beta_purchase_z", "beta_a_z", "beta_b_z"),
    ),
    Case(
        CovariateGammaGamma,
        _spend_covariate,
        [("predict_spend", (3, 25.0, [1.0]))],
        names=("p", "q", "gamma", "beta_spend_z"),
    ),
]
IDS = [str(c) for c in CASES]


def _predict(model: BaseModel, method: str, args: tuple[Any, ...]) -> Any:
    kwargs = {"discount_rate": 0.1} if method == "predict_derl" else {}
    return getattr(model, method)(*args, **kwargs)


@pytest.fixture(scope="module")
def data(cdnow: Any, sim: SimpleNamespace) -> SimpleNamespace:
    """The CDNOW sample, and 1,500 histories drawn from the latent-dropout model with a
    hazard ratio of 2.5 (the purchase models' data has no per-purchase covariates)."""
    return SimpleNamespace(cdnow=cdnow, dropout=sim.dropout(1500, np.log(2.5), seed=1))


@pytest.fixture(scope="module")
def fitted(data: SimpleNamespace) -> dict[str, BaseModel]:
    return {str(c): c.model().fit(*c.columns(data)) for c in CASES}


def test_public_api_is_exactly_the_documented_names() -> None:
    assert sorted(legame.models.__all__) == [
        "BetaGeo",
        "CovariateBetaGeo",
        "CovariateGammaGamma",
        "GammaGamma",
        "HoldoutTable",
        "LatentDropout",
        "ModifiedBetaGeo",
        "ParetoNBD",
        "ShiftedBetaGeometric",
        "customer_lifetime_value",
        "discounted_log_sd",
        "discounted_purchases",
        "holdout_table",
    ]
    for name in legame.models.__all__:
        assert getattr(legame.models, name).__module__.startswith("legame.models.")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fit_returns_self_with_every_fitted_attribute(case: Case, data: SimpleNamespace) -> None:
    columns = case.columns(data)
    model = case.model()
    assert model.fit(*columns) is model
    names = list(case.param_names)
    assert list(model.params_) == names and list(model.stderr_) == names
    assert all(np.isfinite(v) for v in model.params_.values())
    # every parameter is positive but the effects of covariates (LatentDropout's beta_*)
    assert all(v > 0 for n, v in model.params_.items() if not n.startswith("beta_"))
    assert all(v > 0 and np.isfinite(v) for v in model.stderr_.values())
    assert isinstance(model.loglik_, float) and np.isfinite(model.loglik_)
    assert model.converged_ is True
    assert model.n_customers_ == columns[0].size == model.n_histories_


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_prediction_before_fit_raises_not_fitted_error(case: Case) -> None:
    for method, args in case.predictions:
        with pytest.raises(
            NotFittedError,
            match=rf"This {case.model.__name__} is not fitted yet: call "
            rf"{case.model.__name__}\(\)\.fit\(.*\) before {method}\(\)",
        ):
            _predict(case.model(), method, args)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_predictions_after_fit_are_finite(case: Case, fitted: dict[str, BaseModel]) -> None:
    for method, args in case.predictions:
        value = _predict(fitted[str(case)], method, args)
        assert isinstance(value, float) and np.isfinite(value) and value >= 0, method


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_repr_says_what_was_fitted_on_what(case: Case, fitted: dict[str, BaseModel]) -> None:
    name = case.model.__name__
    assert repr(case.model()) == f"<{name}, not fitted>"
    assert repr(case.model(penalizer=0.01)) == f"<{name} penalizer=0.01, not fitted>"
    params = r" ".join(rf"{p}=-?\d+\.\d{{3}}" for p in case.param_names)
    assert re.fullmatch(
        rf"<{name} {params}, [\d,]+ customers in [\d,]+ histories>", repr(fitted[str(case)])
    )


def test_repr_of_the_cdnow_bgnbd_fit(fitted: dict[str, BaseModel]) -> None:
    assert repr(fitted["BetaGeo"]) == (
        "<BetaGeo r=0.243 alpha=4.414 a=0.793 b=2.426, 2,357 customers in 2,357 histories>"
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_weights_are_the_same_as_repeated_rows(case: Case, data: SimpleNamespace) -> None:
    """Fitting unique rows with counts must give the fit on the rows repeated that often."""
    columns = case.columns(data)
    rng = np.random.default_rng(7)
    counts = rng.integers(1, 4, size=columns[0].size)
    weighted = case.model().fit(*columns, weights=counts.astype(float))
    repeated = case.model().fit(*case.take(columns, np.repeat(np.arange(counts.size), counts)))
    for name, value in weighted.params_.items():
        assert repeated.params_[name] == pytest.approx(value, rel=1e-6), name
    assert repeated.loglik_ == pytest.approx(weighted.loglik_, rel=1e-9)
    assert weighted.n_customers_ == repeated.n_customers_ == counts.sum()
    assert weighted.n_histories_ == columns[0].size


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_zero_weight_rows_are_left_out(case: Case, data: SimpleNamespace) -> None:
    columns = case.columns(data)
    weights = np.ones(columns[0].size)
    weights[::10] = 0.0
    model = case.model().fit(*columns, weights=weights)
    assert model.n_histories_ == int((weights > 0).sum()) == model.n_customers_


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_init_only_stores_hyperparameters_and_fit_checks_them(
    case: Case, data: SimpleNamespace
) -> None:
    model = case.model(penalizer=-1.0, max_iter=50)
    assert model.get_params()["penalizer"] == -1.0 and model.get_params()["max_iter"] == 50
    assert not hasattr(model, "params_")
    with pytest.raises(
        InputError,
        match=rf"The 'penalizer' parameter of {case.model.__name__} "
        r"must be a finite float >= 0\. Got -1\.0 instead\.",
    ):
        model.fit(*case.columns(data))
    with pytest.raises(InputError, match=r"The 'max_iter' parameter .* an int >= 1"):
        case.model(max_iter=0).fit(*case.columns(data))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_input_errors_name_the_argument_row_and_value(
    case: Case, data: SimpleNamespace
) -> None:
    columns = [c.copy() for c in case.take(case.columns(data), np.arange(50))]
    first = case.model.fit.__code__.co_varnames[1]
    second = case.model.fit.__code__.co_varnames[2]
    with pytest.raises(InputError, match=rf"'{second}'.*as many rows as '{first}' \(50\)"):
        case.model().fit(columns[0], columns[1][:49], *columns[2:])
    with pytest.raises(InputError, match=r"'weights'.*>= 0.*Got weights=-1 at row 3"):
        case.model().fit(*columns, weights=np.r_[np.ones(3), -1.0, np.ones(46)])
    with pytest.raises(InputError, match=r"'weights'.*one entry per row \(50\)"):
        case.model().fit(*columns, weights=np.ones(10))
    with pytest.raises(InputError, match=r"'weights'.*positive sum"):
        case.model().fit(*columns, weights=np.zeros(50))
    nan_first = columns[0].copy()
    nan_first[4] = np.nan
    with pytest.raises(InputError, match=rf"'{first}'.*finite.*Got {first}=nan at row 4"):
        case.model().fit(nan_first, *columns[1:])
    with pytest.raises(InputError, match=rf"'{first}'.*at least one row"):
        case.model().fit(*(c[:0] for c in columns))
    with pytest.raises(InputError, match=rf"'{first}'.*numeric"):
        case.model().fit(["a"] * 50, *columns[1:])


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD, ModifiedBetaGeo])
@pytest.mark.parametrize(
    ("frequency", "recency", "T", "pattern"),
    [
        (
            [1, 2, 1.5],
            [1.0, 2.0, 3.0],
            [5.0, 5.0, 5.0],
            r"'frequency'.*whole numbers >= 0\. Got frequency=1\.5 at row 2\. frequency counts",
        ),
        ([1, -2, 1], [1.0, 2.0, 3.0], [5.0, 5.0, 5.0], r"'frequency'.*Got frequency=-2 at row 1"),
        (
            [1, 2, 1],
            [1.0, -2.0, 3.0],
            [5.0, 5.0, 5.0],
            r"'recency'.*>= 0\. Got recency=-2 at row 1",
        ),
        (
            [1, 2, 1],
            [1.0, 6.0, 7.0],
            [5.0, 5.0, 5.0],
            r"'recency'.*<= T\. Got recency=6, T=5 at row 1 \(2 rows in all\)\. Check .*time unit",
        ),
        (
            [0, 2, 1],
            [1.0, 2.0, 3.0],
            [5.0, 5.0, 5.0],
            r"'recency'.*0 where frequency is 0\. Got recency=1 with frequency=0 at row 0",
        ),
        ([1, 2, 1], [1.0, 2.0, 3.0], [5.0, -5.0, 5.0], r"'T'.*>= 0\. Got T=-5 at row 1"),
    ],
)
def test_purchase_models_check_rfm_rules(
    model: type[BaseModel], frequency: list, recency: list, T: list, pattern: str
) -> None:
    with pytest.raises(InputError, match=pattern) as info:
        model().fit(frequency, recency, T)
    assert f"argument of {model.__name__}.fit must" in str(info.value)
    fitted = model.from_params(dict.fromkeys(model._param_names, 1.0))
    with pytest.raises(InputError, match=pattern) as info:
        fitted.predict_alive(frequency, recency, T)  # type: ignore[attr-defined]
    assert f"argument of {model.__name__}.predict_alive must" in str(info.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fits_are_reproducible(
    case: Case, data: SimpleNamespace, fitted: dict[str, BaseModel]
) -> None:
    again = case.model().fit(*case.columns(data))
    assert again.params_ == fitted[str(case)].params_


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_from_params_checks_names_and_values(case: Case) -> None:
    names = case.param_names
    with pytest.raises(InputError, match=r"'params'.*must have the keys"):
        case.model.from_params({"nope": 1.0})
    with pytest.raises(InputError, match=rf"'params'.*> 0\. Got {names[0]}=-1\.0"):
        case.model.from_params({n: (-1.0 if i == 0 else 1.0) for i, n in enumerate(names)})
    model = case.model.from_params(dict.fromkeys(names, 2.0))
    assert repr(model).endswith(", from given parameters>")
