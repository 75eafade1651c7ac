"""The lexicon data files: they load, they are complete, and they do not contradict."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from legame.engage.message.lexicon import (
    SECTIONS,
    SUPPORTED_LANGUAGES,
    USEFUL_KINDS,
    concept_cues,
    language_lexicon,
)

DATA = resources.files("legame.engage.message").joinpath("data")


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads(DATA.joinpath(name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_section_of_every_language_has_entries(language: str) -> None:
    lexicon = language_lexicon(language)
    assert len(lexicon.stopwords) > 100
    empty = [name for name in SECTIONS if not len(lexicon.cues[name])]
    assert empty == []


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_phrase_is_both_pushy_and_useful(language: str) -> None:
    data = _toml(f"{language}.toml")

    def phrases(section: dict[str, Any]) -> set[str]:
        return {str(p).lower() for p in section.get("phrases", [])}

    pushy_sections = ("urgency", "guilt", "over_contact", "incentive")
    pushy = set().union(*(phrases(data[name]) for name in pushy_sections))
    useful = set().union(*(phrases(data["useful"][kind]) for kind in USEFUL_KINDS))
    assert pushy & useful == set()


def test_every_concept_has_terms_in_each_language() -> None:
    concepts = _toml("concepts.toml")
    assert len(concepts) >= 30
    for name, terms in concepts.items():
        for language in SUPPORTED_LANGUAGES:
            assert terms.get(language), f"concept {name!r} has no {language!r} terms"
    for language in SUPPORTED_LANGUAGES:
        assert {c.name for c in concept_cues(language)} == set(concepts)


def test_related_concepts_exist_and_weights_are_fractions() -> None:
    concepts = _toml("concepts.toml")
    for name, table in concepts.items():
        assert set(table.get("related", [])) <= set(concepts) - {name}, name
        assert 0 < float(table.get("weight", 1.0)) <= 1, name


def test_a_language_without_lexicon_still_gets_the_neutral_patterns() -> None:
    french = language_lexicon("fr")
    assert not french.stopwords
    assert len(french.cues["urgency"]) >= 1  # the countdown clock
    assert len(french.cues["incentive"]) >= 1  # promo codes
