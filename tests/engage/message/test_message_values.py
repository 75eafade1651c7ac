"""Alignment with brand values (across languages), and reading values from a TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from legame.engage.message import ValueAlignment, check_message, parse_values_toml
from legame.errors import InputError

DOGS_IT = (
    "Passeggiate d'inverno con il tuo cane\n"
    "Con il freddo, accorcia le uscite dei cani anziani e asciugali bene al rientro. "
    "Il nostro veterinario risponde alle domande ogni martedì, dalle 17 alle 19."
)
RECYCLING_ES = (
    "Nuestros envases ahora se pueden rellenar\n"
    "Desde el lunes 3 de marzo puedes traer tu botella a la tienda y rellenarla. Así ahorramos "
    "plástico y residuos. Te enseñamos cómo limpiarla en el mostrador."
)
HANDMADE_EN = (
    "Meet the potter behind our mugs\n"
    "Every mug is thrown by hand by Clara in her workshop, two streets from our shop. Here's "
    "how to look after it: warm water, no dishwasher, and it will last for years."
)


def _alignment(text: str, value: str) -> ValueAlignment:
    (alignment,) = check_message(text, [value]).values
    return alignment


@pytest.mark.parametrize(
    ("text", "value", "expected_word"),
    [
        (DOGS_IT, "every dog deserves love", "cane"),
        (DOGS_IT, "cada perro merece amor", "cane"),
        (RECYCLING_ES, "rispetto per l'ambiente", "plástico"),
        (RECYCLING_ES, "respect for the environment", "residuos"),
        (HANDMADE_EN, "artesanía local", "workshop"),
        (HANDMADE_EN, "artigianato", "by hand"),
    ],
)
def test_a_value_in_one_language_aligns_with_a_draft_in_another(
    text: str, value: str, expected_word: str
) -> None:
    alignment = _alignment(text, value)
    assert alignment.score >= 0.3
    assert expected_word in alignment.matched


def test_a_value_in_the_same_language_aligns_on_lemmas() -> None:
    alignment = _alignment(DOGS_IT, "amiamo i cani anziani")
    assert alignment.score >= 0.3
    assert {"cane", "anziani"} <= set(alignment.matched)


def test_score_follows_the_documented_formula() -> None:
    # "every dog deserves love": concepts dogs (1.0) and love (1.0), the word "deserves"
    # (0.5); "every" is a function word. An English draft meeting only "dog": 1.0 / 2.5.
    english = "Winter walks with your dog\nKeep walks short for older dogs in the cold."
    assert _alignment(english, "every dog deserves love").score == pytest.approx(1.0 / 2.5)
    # In Italian, "deserves" cannot be met, so it does not count: 1.0 / 2.0.
    assert _alignment(DOGS_IT, "every dog deserves love").score == pytest.approx(0.5)


def test_modifier_concepts_weigh_half_and_related_concepts_half_meet() -> None:
    # "respect for the environment": respect (weight 0.5) + environment (1.0) = 1.5.
    value = "respect for the environment"
    recycling = "Bring back your bottles\nWe refill and reuse every glass bottle you return."
    assert _alignment(recycling, value).score == pytest.approx(1.0 / 1.5)
    # A draft about repair only half-meets "environment" (related concept): 0.5 / 1.5.
    repairs = "Our repair bench\nBring a torn jacket on Saturday and we fix it with you."
    alignment = _alignment(repairs, value)
    assert alignment.score == pytest.approx(0.5 / 1.5)
    assert "fix" in alignment.matched


def test_a_distance_from_the_shop_conveys_local() -> None:
    text = (
        "Our new flour\nIt comes from a mill twelve miles away, run by the same family since 1920."
    )
    assert _alignment(text, "local sourcing").score > 0
    assert "twelve miles away" in _alignment(text, "local sourcing").matched


def test_unrelated_values_stay_below_the_threshold_and_the_draft_is_rethink() -> None:
    result = check_message(DOGS_IT, ["artesanía local", "sustainable fashion"])
    # Walks half-meet "environment" through the related concept "nature": 0.5 / 2 = 0.25.
    assert [a.score for a in result.values] == [0.0, pytest.approx(0.25)]
    assert result.verdict == "rethink"
    assert not result.flags
    assert any("Tie the message to one of your values" in r for r in result.reasons)


def test_one_aligned_value_is_enough_to_send() -> None:
    result = check_message(DOGS_IT, ["artesanía local", "ogni cane merita amore"])
    assert result.verdict == "send"
    assert any("ogni cane merita amore" in r for r in result.reasons)


def test_min_alignment_is_the_documented_threshold() -> None:
    assert check_message(DOGS_IT, ["every dog deserves love"]).verdict == "send"
    strict = check_message(DOGS_IT, ["every dog deserves love"], min_alignment=0.9)
    assert strict.verdict == "rethink"


def test_a_value_of_function_words_only_scores_zero() -> None:
    assert _alignment(DOGS_IT, "per il").score == 0.0


def test_no_values_means_alignment_is_not_checked() -> None:
    result = check_message(DOGS_IT, [])
    assert result.values == [] and result.verdict == "send"
    assert any("No brand values" in r for r in result.reasons)


# --- parse_values_toml -------------------------------------------------------------------


def test_values_are_read_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "brand.toml"
    path.write_text('values = ["ogni cane merita amore", " artesanía local "]\n', "utf-8")
    assert parse_values_toml(path) == ["ogni cane merita amore", "artesanía local"]
    assert parse_values_toml(str(path)) == ["ogni cane merita amore", "artesanía local"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('values = [\n"unterminated"', "is not valid TOML"),
        ('brand = "Zampa"\n', "has no 'values' key"),
        ('values = "every dog deserves love"\n', "must be a list of strings"),
        ("values = []\n", "is empty"),
        ('values = ["ok", 3]\n', "values[1] must be a non-empty string"),
        ('values = ["ok", "  "]\n', "values[1] must be a non-empty string"),
    ],
)
def test_bad_values_files_name_the_file_and_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "brand.toml"
    path.write_text(content, "utf-8")
    with pytest.raises(InputError, match=r"brand\.toml") as error:
        parse_values_toml(path)
    assert message in str(error.value)


def test_a_missing_values_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"does not exist.*values = \["):
        parse_values_toml(tmp_path / "missing.toml")


def test_a_values_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('values = ["qualità"]\n'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        parse_values_toml(path)


def test_a_directory_is_not_a_values_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        parse_values_toml(tmp_path)
