"""``pymc_marketing.clv``: ``BetaGeoModel`` (a stand-in; see ``pymc_marketing``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln

from legame.models import CovariateBetaGeo, bgnbd_covariates

# The row-by-row likelihood (CovariateBetaGeo's path for many covariate patterns): another
# path than the bench's legame fit takes, and quicker on a test's few thousand customers.
bgnbd_covariates.MAX_PATTERNS = 0

#: What the stand-in adds to the purchase coefficient of the first covariate column.
PURCHASE_SHIFT = 0.01
FLAT = {"r": "HalfFlat", "alpha": "HalfFlat", "a": "HalfFlat", "b": "HalfFlat"}
COEFFICIENTS = ("purchase_coefficient", "dropout_coefficient")


class BetaGeoModel:
    def __init__(self, *, model_config: dict[str, Any]) -> None:
        for name, prior in FLAT.items():
            assert model_config[name].distribution == prior, name
        for name in COEFFICIENTS:
            assert model_config[name].distribution == "Flat", name
        assert model_config["purchase_covariate_cols"] == model_config["dropout_covariate_cols"]
        self.columns = list(model_config["purchase_covariate_cols"])

    def build_model(self, data: pd.DataFrame) -> None:
        assert data["customer_id"].is_unique
        self.data = data
        self.model = _Model(self)

    def fit(self, *, method: str, progressbar: bool) -> None:
        assert method == "map"
        d = self.data
        fitted = CovariateBetaGeo(covariate_names=tuple(self.columns)).fit(
            d["frequency"].to_numpy(float),
            d["recency"].to_numpy(float),
            d["T"].to_numpy(float),
            d[self.columns].to_numpy(float),
        )
        p = fitted.params_
        purchase = np.array([p[f"beta_purchase_{c}"] for c in self.columns])
        purchase[0] += PURCHASE_SHIFT

        def var(values: Any) -> SimpleNamespace:
            return SimpleNamespace(values=np.asarray(values, dtype=float).reshape(1, 1, -1))

        self.idata = SimpleNamespace(
            posterior={
                "r": var(p["r"]),
                "alpha_scale": var(p["alpha"]),
                "a_scale": var(p["a"]),
                "b_scale": var(p["b"]),
                "purchase_coefficient_alpha": var(purchase),
                "dropout_coefficient_a": var([p[f"beta_a_{c}"] for c in self.columns]),
                "dropout_coefficient_b": var([p[f"beta_b_{c}"] for c in self.columns]),
            }
        )


class _Model:
    """``model.model``: the log density at a point (flat priors: the log-likelihood)."""

    def __init__(self, owner: BetaGeoModel) -> None:
        self.owner = owner

    def initial_point(self) -> dict[str, Any]:
        k = len(self.owner.columns)
        point: dict[str, Any] = {
            f"{n}_log__": 0.0 for n in ("alpha_scale", "a_scale", "b_scale", "r")
        }
        point["purchase_coefficient_alpha"] = np.zeros(k)
        point["dropout_coefficient_a"] = np.zeros(k)
        point["dropout_coefficient_b"] = np.zeros(k)
        return point

    def compile_dlogp(self, *, jacobian: bool) -> Any:
        return lambda point: None

    def compile_logp(self, *, jacobian: bool) -> Any:
        assert jacobian is False
        d = self.owner.data
        Z = d[self.owner.columns].to_numpy(float)
        x, t_x, T = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))

        def logp(point: dict[str, Any]) -> float:
            r = np.exp(point["r_log__"])
            alpha = np.exp(point["alpha_scale_log__"] - Z @ point["purchase_coefficient_alpha"])
            a = np.exp(point["a_scale_log__"] + Z @ point["dropout_coefficient_a"])
            b = np.exp(point["b_scale_log__"] + Z @ point["dropout_coefficient_b"])
            head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            head += betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
            ratio = np.where(
                x > 0,
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)),
                -np.inf,
            )
            return float(np.sum(head + np.logaddexp(0.0, ratio)))

        return logp
