"""A stand-in for PyTensor in the bench's PyMC-Marketing reference test: only its version
(see ``pymc_marketing``)."""

__version__ = "2.38.3-standin"
