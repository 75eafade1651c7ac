"""``Prior`` as the bench's PyMC-Marketing pipeline uses it: a distribution's name."""

from __future__ import annotations


class Prior:
    def __init__(self, distribution: str, **parameters: object) -> None:
        self.distribution = distribution
        self.parameters = parameters
