"""Free text as the pages show it: a survey comment, a gesture's reason, a brand value, the
words of a draft. Such text is in the language its writer used, not the page's: it is
marked with the language the message check's detector finds in it
(:func:`legame.engage.message.detect_language`), and with ``lang=""`` (unknown) when it has
no letters to tell by; never with the page's language by default.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup


@lru_cache(maxsize=4096)
def text_language(text: str | None) -> str:
    """The ISO 639-1 code of the language ``text`` is written in; ``""`` when it has no
    letters (a score, an emoji), so nothing can tell."""
    if not text or not any(ch.isalpha() for ch in text):
        return ""
    from legame.engage.message.language import detect_language

    return detect_language(text)


def marked(text: str | None, language: str | None = None) -> Markup:
    """``<span lang="…">text</span>`` (escaped): ``language`` when known, else detected."""
    if not text:
        return Markup("")
    lang = text_language(text) if language is None else language
    return Markup('<span lang="{}">{}</span>').format(lang, text)
