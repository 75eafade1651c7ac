"""A stand-in for PyMC in the bench's PyMC-Marketing reference test: only its version (see
``pymc_marketing``)."""

__version__ = "5.28.5-standin"
