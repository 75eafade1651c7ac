"""Each flag kind, in each language, with the draft's own words as evidence.

The drafts here are written for these tests and are not in the labelled set.
"""

from __future__ import annotations

import pytest

from legame.engage.message import Flag, check_message

USEFUL_IT = (
    "Da giovedì 6 marzo il laboratorio resta aperto fino alle 19:30. Ecco come prenotare una "
    "riparazione: scrivi il modello della borsa e ti rispondiamo con il costo. Grazie."
)
USEFUL_ES = (
    "Desde el jueves 6 de marzo el taller abre hasta las 19:30. Así se pide una reparación: "
    "escríbenos el modelo del bolso y te respondemos con el precio. Gracias."
)
USEFUL_EN = (
    "From Thursday 6 March the workshop stays open until 19:30. Here's how to book a repair: "
    "send us the model of your bag and we reply with the price. Thank you."
)


def _flag(text: str, code: str, **kwargs: object) -> Flag:
    result = check_message(text, [], **kwargs)  # type: ignore[arg-type]
    found = {f.code: f for f in result.flags}
    assert code in found, f"expected {code}, got {sorted(found)}"
    return found[code]


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        (f"Solo oggi la borsa in pelle\n{USEFUL_IT}", "Solo oggi"),
        (f"Ultima occasione per il laboratorio\n{USEFUL_IT}", "Ultima occasione"),
        (f"Solo hoy, el bolso de piel\n{USEFUL_ES}", "Solo hoy"),
        (f"Últimas horas para el taller\n{USEFUL_ES}", "Últimas horas"),
        (f"¡Date prisa! El taller amplía horario\n{USEFUL_ES}", "Date prisa"),
        (f"Only today: the leather bag\n{USEFUL_EN}", "Only today"),
        (f"Last chance for the workshop\n{USEFUL_EN}", "Last chance"),
        (f"The offer expires in 2 days\n{USEFUL_EN}", "expires in 2"),
        (f"Mancano solo 5 ore\n{USEFUL_IT}", "Mancano solo 5 ore"),
        (f"Faltan 3 días\n{USEFUL_ES}", "Faltan 3 días"),
        (f"01:59:59 to go\n{USEFUL_EN}", "01:59:59"),
    ],
)
def test_false_urgency_is_flagged_with_the_phrase(text: str, evidence: str) -> None:
    flag = _flag(text, "false_urgency")
    assert evidence in flag.evidence
    assert flag.severity == "medium"
    assert evidence in flag.message


@pytest.mark.parametrize(
    "text",
    [
        "Solo oggi, ultime ore!\nAffrettati: pochi pezzi rimasti.",
        "Solo hoy, últimas horas\nDate prisa: quedan pocas unidades.",
        "Today only, last hours\nHurry: limited stock.",
    ],
)
def test_several_urgency_phrases_make_it_high(text: str) -> None:
    flag = _flag(text, "false_urgency")
    assert flag.severity == "high"
    assert len(flag.evidence) >= 2
    assert check_message(text, []).verdict == "rethink"


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        (f"Ci manchi\n{USEFUL_IT}", "Ci manchi"),
        (f"Non perderti la novità\n{USEFUL_IT}", "Non perderti"),
        (f"Te echamos de menos\n{USEFUL_ES}", "Te echamos de menos"),
        (f"Que no te lo pierdas\n{USEFUL_ES}", "no te lo pierdas"),
        (f"We miss you\n{USEFUL_EN}", "We miss you"),
        (f"You'll regret skipping this\n{USEFUL_EN}", "You'll regret"),
    ],
)
def test_guilt_and_fear_of_missing_out_are_flagged(text: str, evidence: str) -> None:
    flag = _flag(text, "guilt")
    assert evidence in flag.evidence


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        (f"Come ti abbiamo scritto ieri\n{USEFUL_IT}", "Come ti abbiamo scritto"),
        (f"Un'altra email da parte nostra\n{USEFUL_IT}", "Un'altra email"),
        (f"Como te dijimos ayer\n{USEFUL_ES}", "Como te dijimos"),
        (f"Otro correo de nuestra parte\n{USEFUL_ES}", "Otro correo"),
        (f"As we told you yesterday\n{USEFUL_EN}", "As we told you"),
        (f"Don't miss our next 5 emails\n{USEFUL_EN}", "our next 5 emails"),
    ],
)
def test_over_contact_is_flagged(text: str, evidence: str) -> None:
    flag = _flag(text, "over_contact")
    assert evidence in flag.evidence


@pytest.mark.parametrize(
    ("text", "shouted"),
    [
        (f"NUOVO ORARIO DEL LABORATORIO\n{USEFUL_IT}", "LABORATORIO"),
        (f"NUEVO HORARIO DEL TALLER\n{USEFUL_ES}", "HORARIO"),
        (f"NEW WORKSHOP OPENING HOURS\n{USEFUL_EN}", "WORKSHOP"),
    ],
)
def test_capitals_beyond_the_threshold_are_shouting(text: str, shouted: str) -> None:
    flag = _flag(text, "shouting")
    assert shouted in flag.evidence
    assert flag.severity == "medium"


@pytest.mark.parametrize(
    "text",
    [
        f"Nuovo orario!!!\n{USEFUL_IT}",
        f"¡¡Nuevo horario!!\n{USEFUL_ES}",
        f"New hours!!!\n{USEFUL_EN}",
    ],
)
def test_repeated_exclamation_marks_are_shouting(text: str) -> None:
    flag = _flag(text, "shouting")
    assert any("!!" in e for e in flag.evidence)


def test_emoji_beyond_the_threshold_are_shouting() -> None:
    flag = _flag(f"New hours 🎉🎉🔥🔥\n{USEFUL_EN}", "shouting")
    assert "🎉🎉🔥🔥" in flag.evidence
    assert check_message(f"New hours 🎉\n{USEFUL_EN}", []).flags == []


def test_caps_exclamations_and_emoji_together_are_high() -> None:
    flag = _flag("OFERTA LOCA HOY!!! 🔥🔥🔥\nCOMPRA YA!!!", "shouting")
    assert flag.severity == "high"


def test_acronyms_and_one_brand_name_in_capitals_are_not_shouting() -> None:
    text = f"Il nostro olio DOP e BIO\n{USEFUL_IT}"
    assert "shouting" not in {f.code for f in check_message(text, []).flags}
    lenient = check_message("NEW WORKSHOP OPENING HOURS\n" + USEFUL_EN, [], max_caps_words=5)
    assert "shouting" not in {f.code for f in lenient.flags}


@pytest.mark.parametrize(
    ("text", "incentive"),
    [
        (
            "Sconto del 20% per te\nUsa il codice ESTATE20 sul sito. Buono valido su tutto.",
            "ESTATE20",
        ),
        (
            "Raccolta punti\nAccumula punti fedeltà con ogni acquisto e partecipa al concorso.",
            "concorso",
        ),
        ("Tu cupón de descuento\nUsa el cupón VERANO10 y ahorra en toda la tienda.", "cupón"),
        (
            "Participa en el sorteo\nCada compra es una papeleta para el sorteo de un viaje.",
            "sorteo",
        ),
        ("A voucher for you\nUse code SUMMER15 for 15% off everything in the shop.", "SUMMER15"),
        (
            "Enter the prize draw\nEvery order earns reward points and a chance to win.",
            "prize draw",
        ),
    ],
)
def test_incentive_as_the_whole_message_is_flagged_high(text: str, incentive: str) -> None:
    flag = _flag(text, "incentive_only")
    assert flag.severity == "high"
    assert incentive in flag.evidence
    result = check_message(text, [])
    assert result.verdict == "rethink"
    assert any("besides the discount" in r for r in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        f"Un regalo per i tuoi dieci anni con noi\n{USEFUL_IT} Per te, la prossima riparazione "
        "è gratis.",
        f"Un regalo por tus diez años con nosotros\n{USEFUL_ES} Para ti, la próxima reparación "
        "es gratis.",
        f"Thank you for ten years\n{USEFUL_EN} As a thank-you, here is a voucher for your next "
        "repair.",
    ],
)
def test_incentive_next_to_useful_content_is_only_a_low_flag(text: str) -> None:
    result = check_message(text, [])
    flag = {f.code: f for f in result.flags}["incentive"]
    assert flag.severity == "low"
    assert result.verdict == "send"


@pytest.mark.parametrize(
    "text",
    [
        "Novità in arrivo\nCiao! Anche oggi pensiamo a te. Seguici sui social. A presto!",
        "Hola otra vez\n¡Hola! Seguimos aquí, pensando en ti. Síguenos en redes. ¡Hasta pronto!",
        "Hello again\nHi! Thinking of you today. Follow us on social media. Talk soon!",
    ],
)
def test_a_draft_with_nothing_useful_is_flagged_high(text: str) -> None:
    flag = _flag(text, "no_useful_content")
    assert flag.severity == "high"
    assert "usefulness" in flag.message
    assert check_message(text, []).verdict == "rethink"


@pytest.mark.parametrize("text", [USEFUL_IT, USEFUL_ES, USEFUL_EN])
def test_a_useful_plain_draft_raises_no_flag(text: str) -> None:
    result = check_message("Orari e riparazioni\n" + text, [])
    assert result.flags == []
    assert result.verdict == "send"


def test_lemmas_match_other_forms_but_marked_words_do_not() -> None:
    # "stanno per scadere" in the lexicon also matches "stava per scadere" (lemma "stare"),
    # and "last hours" matches "the last hour" ...
    for text in (f"L'iscrizione stava per scadere\n{USEFUL_IT}", f"The last hour\n{USEFUL_EN}"):
        assert "false_urgency" in {f.code for f in check_message(text, []).flags}
    # ... while "=corre" (the imperative) does not match "correr" (to run).
    running = check_message(f"Consejos para correr\n{USEFUL_ES}", [])
    assert "false_urgency" not in {f.code for f in running.flags}


def test_phrases_do_not_match_across_the_subject_line() -> None:
    result = check_message(f"Grazie per la fiducia, solo\noggi abbiamo {USEFUL_IT}", [])
    assert "false_urgency" not in {f.code for f in result.flags}


def test_flags_are_ordered_high_first_and_serialise() -> None:
    result = check_message("ULTIMA OCCASIONE!!! Sconto 50%\nCorri: scade a mezzanotte.", [])
    severities = [f.severity for f in result.flags]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    for flag in result.flags:
        assert set(flag.to_dict()) == {"code", "severity", "evidence", "message"}
        assert isinstance(flag.to_dict()["evidence"], list)


@pytest.mark.parametrize(
    "text",
    [
        "The biggest event of the year is here\nWe are so excited to share this with you. This "
        "is the moment you have been waiting for. Everything you love, all in one place, better "
        "than ever. Our team has been working hard to bring you something truly special, and we "
        "think you will love it as much as we do. Discover the amazing collection and find your "
        "new favourites. Be inspired, be bold, be you. Click the link and explore everything.",
        "Il grande evento dell'anno è qui\nSiamo entusiasti di condividerlo con te. È il momento "
        "che aspettavi. Tutto quello che ami, in un unico posto, meglio che mai. Il nostro team "
        "ha lavorato tanto per portarti qualcosa di davvero speciale. Scopri la collezione e "
        "trova i tuoi nuovi preferiti. Lasciati ispirare. Clicca sul link ed esplora tutto.",
    ],
)
def test_length_alone_does_not_make_a_draft_useful(text: str) -> None:
    assert "no_useful_content" in {f.code for f in check_message(text, []).flags}


@pytest.mark.parametrize(
    "text",
    [
        "Il tuo ordine è partito\nArriverà giovedì 12 con il corriere. Grazie per aver scelto "
        "una bottega di quartiere.",
        "Tu pedido está en camino\nLlegará el jueves 12 con el mensajero. Gracias por elegir "
        "una tienda de barrio.",
        "Your order has shipped\nIt should arrive on Thursday. Thank you for supporting a small "
        "family workshop.",
    ],
)
def test_a_short_service_notice_is_useful(text: str) -> None:
    result = check_message(text, [])
    assert result.flags == []
    assert result.verdict == "send"
