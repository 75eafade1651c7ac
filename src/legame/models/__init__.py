"""Customer lifetime value models, fitted on distinct customer histories with weights.

================================  ==================================================
:class:`BetaGeo`                  BG/NBD purchases (Fader, Hardie & Lee 2005)
:class:`ParetoNBD`                Pareto/NBD purchases (Schmittlein et al. 1987)
:class:`GammaGamma`               spend per purchase (Fader, Hardie & Lee 2005)
:class:`ShiftedBetaGeometric`     contractual retention (Fader & Hardie 2007)
:class:`LatentDropout`            BG/NBD with time-varying covariates on the dropout hazard
:func:`customer_lifetime_value`   discounted CLV from a purchase and a spend model
:func:`discounted_purchases`      discounted expected purchases (CLV per unit of spend)
:func:`holdout_table`             calibration/holdout check by frequency
================================  ==================================================

Every model follows one contract (see :mod:`legame.models.base`): hyperparameters in
``__init__``, ``fit(...)`` returns ``self``, fitted values ``params_``, ``stderr_``,
``loglik_``, ``converged_``, ``n_customers_``, ``n_histories_``, and ``predict_*`` methods.
"""

from .bgnbd import BetaGeo
from .clv import customer_lifetime_value, discounted_purchases
from .dropout import LatentDropout
from .gammagamma import GammaGamma
from .paretonbd import ParetoNBD
from .sbg import ShiftedBetaGeometric
from .validation import HoldoutTable, holdout_table

__all__ = [
    "BetaGeo",
    "GammaGamma",
    "HoldoutTable",
    "LatentDropout",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "customer_lifetime_value",
    "discounted_purchases",
    "holdout_table",
]
