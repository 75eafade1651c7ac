"""Message check: does a draft convey the brand's values, or does it just push?

Seed 000: "before every campaign ask: does this convey our values? If not, go back and
think." Seed 002: the answer is not more raffles, vouchers, points or emails.

>>> from legame.engage.message import check_message
>>> result = check_message("SOLO OGGI!!! Sconto 50%\\nCorri, scade a mezzanotte!!!", ["qualità"])
>>> result.verdict
'rethink'

Modules: ``check`` (the verdict), ``flags`` (pushy and empty wording), ``usefulness``
(what the draft gives the customer), ``values`` (alignment with brand values and the
values TOML file), ``language`` (detection), ``lexicon`` + ``data/`` (all the wording),
``matching`` and ``text`` (tokens, lemmas, phrase matching).
"""

from legame.engage.message.check import MessageCheck, Verdict, check_message
from legame.engage.message.flags import Flag, Severity
from legame.engage.message.language import detect_language
from legame.engage.message.lexicon import SUPPORTED_LANGUAGES
from legame.engage.message.values import ValueAlignment, parse_values_toml

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Flag",
    "MessageCheck",
    "Severity",
    "ValueAlignment",
    "Verdict",
    "check_message",
    "detect_language",
    "parse_values_toml",
]
