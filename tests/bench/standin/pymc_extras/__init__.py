"""A stand-in for pymc-extras in the bench's PyMC-Marketing reference test (see
``pymc_marketing``)."""
