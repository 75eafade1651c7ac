"""Obviously fake contact details: ``@example.com`` e-mails and 555 phone numbers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from legame.simulate.params import WorldParams

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "it": (
        "giulia",
        "marco",
        "sofia",
        "luca",
        "chiara",
        "andrea",
        "francesca",
        "matteo",
        "elena",
        "davide",
        "sara",
        "paolo",
    ),
    "es": (
        "lucia",
        "javier",
        "maria",
        "carlos",
        "carmen",
        "pablo",
        "laura",
        "diego",
        "ana",
        "sergio",
        "marta",
        "alvaro",
    ),
    "en": (
        "emma",
        "james",
        "olivia",
        "jack",
        "amelia",
        "harry",
        "grace",
        "noah",
        "ella",
        "oliver",
        "chloe",
        "liam",
    ),
    "de": (
        "anna",
        "lukas",
        "lea",
        "felix",
        "marie",
        "jonas",
        "lena",
        "paul",
        "laura",
        "leon",
        "hannah",
        "finn",
    ),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "it": (
        "rossi",
        "russo",
        "ferrari",
        "esposito",
        "bianchi",
        "romano",
        "colombo",
        "ricci",
        "marino",
        "greco",
        "bruno",
        "gallo",
    ),
    "es": (
        "garcia",
        "fernandez",
        "gonzalez",
        "rodriguez",
        "lopez",
        "martinez",
        "sanchez",
        "perez",
        "gomez",
        "martin",
        "jimenez",
        "ruiz",
    ),
    "en": (
        "smith",
        "jones",
        "taylor",
        "brown",
        "williams",
        "wilson",
        "johnson",
        "davies",
        "miller",
        "davis",
        "evans",
        "clark",
    ),
    "de": (
        "muller",
        "schmidt",
        "schneider",
        "fischer",
        "weber",
        "meyer",
        "wagner",
        "becker",
        "schulz",
        "hoffmann",
        "koch",
        "richter",
    ),
}
PHONE_MISSING_SHARE = 0.3


def contact_details(
    country: npt.NDArray[np.int64], params: WorldParams, rng: np.random.Generator
) -> tuple[list[str], list[str | None]]:
    """E-mail and phone (or None) per customer."""
    n = country.size
    u = rng.random((4, n))
    digits = rng.integers(0, 10_000_000, n)
    emails: list[str] = []
    phones: list[str | None] = []
    for i in range(n):
        c = params.countries[country[i]]
        firsts, lasts = FIRST_NAMES[c.language], LAST_NAMES[c.language]
        first = firsts[int(u[0, i] * len(firsts))]
        last = lasts[int(u[1, i] * len(lasts))]
        emails.append(f"{first}.{last}.{i + 1}@example.com")
        phones.append(
            None if u[2, i] < PHONE_MISSING_SHARE else f"{c.phone_prefix} 555 {int(digits[i]):07d}"
        )
    return emails, phones
