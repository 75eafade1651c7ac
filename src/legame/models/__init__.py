"""Customer lifetime value models, fitted on distinct customer histories with weights.

================================  ==================================================
:class:`BetaGeo`                  BG/NBD purchases (Fader, Hardie & Lee 2005)
:class:`ParetoNBD`                Pareto/NBD purchases (Schmittlein et al. 1987)
:class:`ModifiedBetaGeo`          MBG/NBD purchases (Batislam, Denizel & Filiztekin 2007)
:class:`GammaGamma`               spend per purchase (Fader, Hardie & Lee 2005)
:class:`ShiftedBetaGeometric`     contractual retention (Fader & Hardie 2007)
:class:`LatentDropout`            BG/NBD with time-varying covariates on the dropout hazard
:class:`CovariateBetaGeo`         BG/NBD with static and time-varying covariates
:class:`CovariateGammaGamma`      Gamma-Gamma with static covariates on the spend
:func:`customer_lifetime_value`   discounted CLV from a purchase and a spend model
:func:`discounted_purchases`      discounted expected purchases (CLV per unit of spend)
:func:`discounted_log_sd`         its uncertainty from the purchase model's estimate
:func:`holdout_table`             calibration/holdout check by frequency
================================  ==================================================

Every model follows one contract (see :mod:`legame.models.base`): hyperparameters in
``__init__``, ``fit(...)`` returns ``self``, fitted values ``params_``, ``stderr_``,
``loglik_``, ``converged_``, ``n_customers_``, ``n_histories_``, ``cov_``, and ``predict_*``
methods.
"""

from .bgnbd import BetaGeo
from .bgnbd_covariates import CovariateBetaGeo
from .clv import customer_lifetime_value, discounted_log_sd, discounted_purchases
from .dropout import LatentDropout
from .gammagamma import GammaGamma
from .gammagamma_covariates import CovariateGammaGamma
from .mbgnbd import ModifiedBetaGeo
from .paretonbd import ParetoNBD
from .sbg import ShiftedBetaGeometric
from .validation import HoldoutTable, holdout_table

__all__ = [
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
