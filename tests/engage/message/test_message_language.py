"""Language detection: lingua for sentences, the lexicon vote for a few words."""

from __future__ import annotations

import pytest

from legame.engage.message import detect_language
from legame.engage.message.language import FALLBACK_LANGUAGE


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Da lunedì il negozio apre alle nove e chiude alle diciannove, anche il sabato.", "it"),
        (
            "Desde el lunes la tienda abre a las nueve y cierra a las siete, también el sábado.",
            "es",
        ),
        ("From Monday the shop opens at nine and closes at seven, Saturdays included.", "en"),
        ("Ab Montag öffnet der Laden um neun Uhr und schließt um sieben Uhr abends.", "de"),
        ("A partir de segunda-feira a loja abre às nove horas e fecha às sete da tarde.", "pt"),
    ],
)
def test_sentences_are_detected_by_lingua(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¡Date prisa!", "es"),  # lingua alone says French
        ("Grazie", "it"),
        ("Gracias", "es"),
        ("Thanks!", "en"),
        ("Solo oggi", "it"),
        ("Solo hoy", "es"),
        ("Sconto 20%", "it"),
        ("calidad", "es"),
        ("qualità", "it"),
        ("cruelty-free", "en"),
        ("rispetto per l'ambiente", "it"),
        ("artesanía local", "es"),
        ("every dog deserves love", "en"),
    ],
)
def test_short_text_is_decided_among_italian_spanish_english(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "12345 !!! 🎉"])
def test_text_without_letters_gets_the_fallback(text: str) -> None:
    assert detect_language(text) == FALLBACK_LANGUAGE == "en"
