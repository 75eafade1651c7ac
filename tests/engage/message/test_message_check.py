"""check_message as a whole: result shape, edge cases, language, parameter errors."""

from __future__ import annotations

import inspect
import json

import pytest

import legame.engage.message as message
from legame.engage.message import MessageCheck, check_message, detect_language
from legame.engage.message.language import _detector
from legame.errors import InputError

USEFUL_IT = (
    "Come conservare il pane di segale\n"
    "Ciao Marco, il pane di segale che hai preso sabato si conserva una settimana: avvolgilo "
    "in un panno di cotone e tienilo lontano dal frigorifero. Se diventa duro, tostalo. "
    "Grazie per aver scelto un forno di quartiere. Il Forno di Via Roma"
)
PUSHY_ES = (
    "¡¡ÚLTIMAS HORAS!! 50% de DESCUENTO\n¡Date prisa! La oferta termina esta noche. ¡Compra ya!"
)


def test_to_dict_has_exactly_the_documented_shape() -> None:
    result = check_message(PUSHY_ES, ["calidad", "artigianato"])
    data = result.to_dict()
    assert list(data) == ["verdict", "language", "values", "flags", "reasons"]
    assert data["verdict"] == "rethink" and data["language"] == "es"
    assert [set(v) for v in data["values"]] == [{"value", "score"}, {"value", "score"}]
    assert [v["value"] for v in data["values"]] == ["calidad", "artigianato"]
    assert all(0.0 <= v["score"] <= 1.0 for v in data["values"])
    assert data["flags"] and all(
        set(f) == {"code", "severity", "evidence", "message"} for f in data["flags"]
    )
    assert all(isinstance(r, str) and r for r in data["reasons"])
    assert json.loads(json.dumps(data)) == data


def test_the_result_is_frozen() -> None:
    result = check_message(USEFUL_IT, [])
    with pytest.raises(AttributeError):
        result.verdict = "send"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "   \n\n  \t", "\r\n"])
def test_an_empty_draft_is_rethink_with_a_clear_reason(text: str) -> None:
    result = check_message(text, ["qualità"])
    assert result.verdict == "rethink"
    assert [f.code for f in result.flags] == ["empty_message"]
    assert result.language == "en"  # nothing to detect: the documented fallback
    assert any("Write the draft first" in r for r in result.reasons)


def test_an_empty_draft_can_be_given_its_language() -> None:
    assert check_message("", [], language="it").language == "it"


def test_a_subject_without_body_is_flagged() -> None:
    result = check_message("Grazie per i tuoi dieci anni con noi", ["gratitudine"])
    codes = [f.code for f in result.flags]
    assert "subject_only" in codes
    assert result.verdict == "rethink"
    assert result.values[0].score > 0  # the subject alone still says "grazie"


def test_a_very_long_draft_is_checked_whole() -> None:
    body = " ".join([USEFUL_IT.split("\n", 1)[1]] * 400)  # about 95,000 characters
    long_useful = check_message("Come conservare il pane\n" + body, ["comunità"])
    assert len(body) > 90_000
    assert long_useful.language == "it"
    assert long_useful.verdict == "send"
    long_pushy = check_message(
        "Come conservare il pane\n" + body + " Solo oggi, ultima occasione: corri!", []
    )
    assert long_pushy.verdict == "rethink"
    assert "false_urgency" in {f.code for f in long_pushy.flags}


def test_language_is_detected_per_draft() -> None:
    assert check_message(USEFUL_IT, []).language == "it"
    assert check_message(PUSHY_ES, []).language == "es"
    assert check_message("We miss you\nCome back, everyone else already did.", []).language == "en"


def test_language_argument_overrides_detection() -> None:
    # An Italian draft read as English finds none of its Italian phrases.
    text = "Solo oggi, ultima occasione\nAffrettati, pochi pezzi rimasti."
    assert "false_urgency" in {f.code for f in check_message(text, []).flags}
    as_english = check_message(text, [], language="EN")
    assert as_english.language == "en"
    assert "false_urgency" not in {f.code for f in as_english.flags}


def test_a_draft_in_another_language_is_reported_not_guessed() -> None:
    text = (
        "Les nouveaux horaires de l'atelier\nÀ partir de lundi, l'atelier ouvre de 9 heures "
        "à 18 heures. Merci de votre fidélité et à bientôt dans notre boutique."
    )
    result = check_message(text, [])
    assert result.language == "fr"
    assert "unsupported_language" in {f.code for f in result.flags}
    assert result.verdict == "rethink"
    assert any("language='it'" in r for r in result.reasons)


def test_two_medium_flags_add_up_to_rethink() -> None:
    text = "Ci manchi\n" + USEFUL_IT.split("\n", 1)[1] + " Solo oggi."
    result = check_message(text, [])
    assert sorted(f.code for f in result.flags) == ["false_urgency", "guilt"]
    assert {f.severity for f in result.flags} == {"medium"}
    assert result.verdict == "rethink"
    assert any("add up" in r for r in result.reasons)
    assert check_message(text, [], max_medium_flags=2).verdict == "send"


def test_a_good_draft_says_why_it_can_go() -> None:
    result = check_message(USEFUL_IT, ["artigianato locale", "comunità"])
    assert result.verdict == "send"
    assert result.flags == []
    assert result.reasons[0].startswith("Nothing pushy")
    assert any("It conveys your values" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": 42}, "The 'text' parameter of check_message must be a string"),
        ({"values": "qualità"}, "The 'values' parameter of check_message must be a list"),
        ({"values": ["ok", ""]}, "The 'values[1]' parameter of check_message"),
        ({"values": [None]}, "The 'values[0]' parameter"),
        ({"language": "fr"}, "The 'language' parameter of check_message must be None or one of"),
        ({"min_alignment": 1.5}, "The 'min_alignment' parameter of check_message must be a float"),
        ({"min_usefulness": -0.1}, "The 'min_usefulness' parameter"),
        ({"heavy_cues": 0}, "The 'heavy_cues' parameter of check_message must be an int >= 1"),
        ({"max_caps_words": 2.5}, "The 'max_caps_words' parameter"),
        ({"max_emoji": True}, "The 'max_emoji' parameter"),
        ({"max_medium_flags": -1}, "The 'max_medium_flags' parameter"),
    ],
)
def test_bad_arguments_raise_input_error_in_one_wording(
    kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"text": USEFUL_IT, "values": [], **kwargs}
    with pytest.raises(InputError, match=r"Got .* instead") as error:
        check_message(**arguments)  # type: ignore[arg-type]
    assert message in str(error.value)


def test_the_language_detector_is_built_once() -> None:
    detect_language("Una frase in italiano per scaldare il rilevatore di lingua.")
    misses = _detector.cache_info().misses
    built = _detector()
    for text in ("Otra frase en español.", "One more sentence in English, for the detector."):
        detect_language(text)
    assert _detector.cache_info().misses == misses
    assert _detector() is built


def test_public_api_is_exactly_all() -> None:
    assert sorted(message.__all__) == [
        "Flag",
        "MessageCheck",
        "SUPPORTED_LANGUAGES",
        "Severity",
        "ValueAlignment",
        "Verdict",
        "check_message",
        "detect_language",
        "parse_values_toml",
    ]
    # __all__ is what the package exposes: no public name left out of it (submodules aside)
    public = {
        name
        for name, value in vars(message).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(message.__all__)
    for name in message.__all__:  # and each is legame's own, not a name imported in passing
        value = getattr(message, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__.startswith("legame.engage.message."), name
    assert message.SUPPORTED_LANGUAGES == ("it", "es", "en")
    assert isinstance(check_message(USEFUL_IT, []), MessageCheck)
