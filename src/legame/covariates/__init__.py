"""Covariates from the store's own tables for the CLV models: ``legame clv fit
--covariates NAME,...``.

Static covariates (customer columns, ``_extra`` attributes, the first order) act on the
purchase rate, the dropout and the spend; time-varying ones that legame derives from its
events (a poor support experience, contact pressure, gestures received, the latest NPS
group) act on the dropout hazard. :func:`fit_covariates` fits
:class:`~legame.models.CovariateBetaGeo` and :class:`~legame.models.CovariateGammaGamma`
on distinct (history, covariate pattern) rows and returns every coefficient as an
:class:`Effect` with its interval and a sentence; :func:`available_covariates` lists the
names a workspace offers. :func:`score_with_covariates` (``legame score --covariates``)
writes customer_scores whose predictions come from each customer's own covariates.
"""

from .coding import DEFAULT_BINS, Coding
from .effects import Effect
from .fit import CovariateFit, available_covariates, fit_covariates
from .scores import ScoreCovariates, score_with_covariates

__all__ = [
    "DEFAULT_BINS",
    "Coding",
    "CovariateFit",
    "Effect",
    "ScoreCovariates",
    "available_covariates",
    "fit_covariates",
    "score_with_covariates",
]
