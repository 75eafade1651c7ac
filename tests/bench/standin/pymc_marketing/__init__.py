"""A stand-in for PyMC-Marketing 0.19.2 in the bench's reference test (no network, no venv
to build): the calls ``legame/bench/pymc_pipeline.py`` makes. ``BetaGeoModel`` checks that
every prior is flat (so that the MAP is the maximum likelihood estimate), fits with legame's
:class:`~legame.models.CovariateBetaGeo` on the customers' rows, and reports the purchase
coefficient of the first covariate column ``PURCHASE_SHIFT`` high, so the bench's comparison
has a known disagreement to find; its log-likelihood at a point is BG/NBD's, customer by
customer (Fader & Hardie's note 019). Agreement with the real PyMC-Marketing is checked by
``test_pymc_marketing_itself_agrees_with_legame`` where its venv is built."""

__version__ = "0.19.2-standin"
