"""The policy file ``legame.toml``: defaults, round trip, validation errors, docs."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import time
from pathlib import Path

import pytest

from legame.errors import InputError
from legame.policy import (
    DEFAULT_POLICY,
    Cap,
    default_policy_text,
    key_paths,
    load_policy,
    policy_path_for,
    write_default_policy,
)

REPO = Path(__file__).resolve().parents[1]


def load_text(tmp_path: Path, text: str):
    path = tmp_path / "legame.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as info:
        load_text(tmp_path, text)
    message = str(info.value)
    prefix = f"{tmp_path / 'legame.toml'}: "
    assert message.startswith(prefix), message
    return message[len(prefix) :]


# --- defaults and the file init writes ---------------------------------------------------


def test_the_file_init_writes_loads_to_the_defaults(tmp_path: Path) -> None:
    path = write_default_policy(tmp_path)
    assert path == tmp_path / "legame.toml"
    loaded = load_policy(path)
    assert loaded == DEFAULT_POLICY == load_policy(None)
    assert loaded.source == str(path) and DEFAULT_POLICY.source is None


def test_the_file_init_writes_sets_every_key_explicitly_with_comments(tmp_path: Path) -> None:
    text = default_policy_text()
    data = tomllib.loads(text)
    written = set()

    def walk(table: dict, prefix: str) -> None:
        for key, value in table.items():
            path = f"{prefix}{key}"
            if path == "contact.caps":
                written.add(path)
            elif isinstance(value, dict):
                walk(value, f"{path}.")
            else:
                written.add(path)

    walk(data, "")
    assert written == set(key_paths())
    assert text.count("\n#") >= 20  # commented, not a bare dump


def test_the_defaults_are_the_documented_contact_rules() -> None:
    c = DEFAULT_POLICY.contact
    assert c.caps_for("email") == (
        Cap("email", 7, 2),
        Cap("email", 30, 6),
        Cap("all", 7, 3),
        Cap("all", 30, 8),
    )
    assert (c.quiet_hours.start, c.quiet_hours.end) == (time(21), time(8))
    assert c.require_consent == c.channels
    assert DEFAULT_POLICY.gratitude.trigger("detractor_callback")["max_nps"] == 6


def test_init_never_overwrites_an_existing_policy(tmp_path: Path) -> None:
    path = tmp_path / "legame.toml"
    path.write_text("values = ['ours']\n", encoding="utf-8")
    assert write_default_policy(tmp_path) == path
    assert path.read_text(encoding="utf-8") == "values = ['ours']\n"


def test_a_missing_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_policy(tmp_path / "absent.toml") == DEFAULT_POLICY


def test_the_policy_lives_beside_the_workspace_file(tmp_path: Path) -> None:
    assert policy_path_for(tmp_path / "shop" / "ws.duckdb") == tmp_path / "shop" / "legame.toml"
    assert policy_path_for("legame.duckdb") == Path("legame.toml")


def test_the_policy_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_POLICY.contact.quiet_hours.enabled = False  # type: ignore[misc]


# --- what a user file can say ------------------------------------------------------------


def test_missing_keys_take_their_defaults(tmp_path: Path) -> None:
    policy = load_text(
        tmp_path, 'values = ["ogni cane merita amore"]\n[contact.quiet_hours]\nstart = "22:30"\n'
    )
    assert policy.values == ("ogni cane merita amore",)
    assert policy.contact.quiet_hours.start == time(22, 30)
    assert policy.contact.quiet_hours.end == time(8)
    assert policy.contact.caps == DEFAULT_POLICY.contact.caps
    assert policy.gratitude == DEFAULT_POLICY.gratitude


def test_a_caps_table_replaces_every_default_cap(tmp_path: Path) -> None:
    policy = load_text(tmp_path, "[contact.caps]\nsms = { per_14_days = 1 }\nall.per_1_day = 1\n")
    assert policy.contact.caps == (Cap("all", 1, 1), Cap("sms", 14, 1))
    assert policy.contact.caps_for("email") == (Cap("all", 1, 1),)


def test_require_consent_takes_a_list_of_channels(tmp_path: Path) -> None:
    policy = load_text(tmp_path, '[contact]\nrequire_consent = ["email", "sms"]\n')
    assert policy.contact.require_consent == ("email", "sms")
    assert load_text(tmp_path, "[contact]\nrequire_consent = false\n").contact.require_consent == ()


def test_gratitude_triggers_can_be_tuned(tmp_path: Path) -> None:
    policy = load_text(
        tmp_path,
        "[gratitude]\nholdout_share = 0.2\nseed = 7\n"
        "[gratitude.triggers.referral_thanks]\nenabled = false\n",
    )
    assert (policy.gratitude.holdout_share, policy.gratitude.seed) == (0.2, 7)
    assert not policy.gratitude.trigger("referral_thanks").enabled
    assert policy.gratitude.trigger("referral_thanks")["within_days"] == 30


# --- errors ------------------------------------------------------------------------------


def test_a_bad_cap_value_names_file_section_key_and_value(tmp_path: Path) -> None:
    assert error_of(tmp_path, "[contact.caps]\nemail.per_7_days = 'two'\n") == (
        "[contact.caps] email.per_7_days must be a whole number ≥ 0; got 'two'"
    )


@pytest.mark.parametrize("value", ["-1", "2.5", "true"])
def test_negative_fractional_or_boolean_caps_are_refused(tmp_path: Path, value: str) -> None:
    message = error_of(tmp_path, f"[contact.caps]\nemail.per_7_days = {value}\n")
    assert message == f"[contact.caps] email.per_7_days must be a whole number ≥ 0; got {value}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("valuez = []\n", "'valuez' is not a policy key; did you mean 'values'?"),
        (
            "[contact]\nquiet_hour = {}\n",
            "[contact] 'quiet_hour' is not a policy key; did you mean 'quiet_hours'?",
        ),
        (
            "[contact.cooldown]\nafter_complaints_days = 3\n",
            "[contact.cooldown] 'after_complaints_days' is not a policy key; did you mean "
            "'after_complaint_days'?",
        ),
        (
            "[gratitude.triggers.birthday]\nenabled = true\n",
            "[gratitude.triggers] 'birthday' is not a policy key",
        ),
        (
            "[gratitude.triggers.fee_forgiveness]\nmax_amout = 3\n",
            "[gratitude.triggers.fee_forgiveness] 'max_amout' is not a policy key; did you mean "
            "'max_amount'?",
        ),
    ],
)
def test_unknown_keys_are_errors_with_a_suggestion(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert error_of(tmp_path, text).startswith(expected)


def test_an_unknown_channel_in_caps_is_a_typo(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[contact.caps]\nemial.per_7_days = 2\n")
    assert message.startswith("[contact.caps] 'emial' is not a channel; did you mean 'email'?")


def test_a_cap_window_must_be_per_n_days(tmp_path: Path) -> None:
    assert error_of(tmp_path, "[contact.caps]\nemail.per_week = 2\n").startswith(
        "[contact.caps] email.per_week is not a cap window; write per_N_days"
    )
    assert "is not a cap window" in error_of(tmp_path, "[contact.caps]\nemail.per_0_days = 2\n")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("'9pm'", "'9pm'"), ("'24:00'", "'24:00'"), ("'8:00'", "'8:00'"), ("800", "800")],
)
def test_clock_times_must_be_hh_mm(tmp_path: Path, value: str, shown: str) -> None:
    assert error_of(tmp_path, f"[contact.quiet_hours]\nend = {value}\n") == (
        f'[contact.quiet_hours] end must be a 24-hour clock time "HH:MM", such as "21:00"; '
        f"got {shown}"
    )


def test_quiet_hours_cannot_start_and_end_at_the_same_time(tmp_path: Path) -> None:
    assert "set enabled = false" in error_of(
        tmp_path, '[contact.quiet_hours]\nstart = "08:00"\nend = "08:00"\n'
    )


def test_the_default_time_zone_must_be_a_real_zone(tmp_path: Path) -> None:
    assert error_of(tmp_path, '[contact.quiet_hours]\ndefault_time_zone = "Europe/Roma"\n') == (
        "[contact.quiet_hours] default_time_zone must be an IANA time zone such as "
        "\"Europe/Rome\"; got 'Europe/Roma'"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("values = 'love'\n", "values must be a list of non-empty strings; got 'love'"),
        ("[contact]\nchannels = []\n", "[contact] channels must be a non-empty list"),
        (
            "[contact]\nchannels = ['email', 'all']\n",
            "[contact] channels must be a list of channel names without 'all'",
        ),
        (
            "[contact]\nrequire_consent = ['fax']\n",
            "[contact] require_consent names the channel 'fax', which is not in [contact] channels",
        ),
        (
            "[contact.cooldown]\nwhile_ticket_open = 'yes'\n",
            "[contact.cooldown] while_ticket_open must be true or false; got 'yes'",
        ),
        ("[contact]\ncaps = 3\n", "[contact] caps must be a table ([contact.caps]); got 3"),
        (
            "[contact.cooldown]\nafter_unsubscribe_days = 100000\n",
            "[contact.cooldown] after_unsubscribe_days must be a whole number from 0 to 36500; "
            "got 100000",
        ),
        (
            "[contact.caps]\nemail.per_99999_days = 1\n",
            "[contact.caps] email.per_99999_days is longer than 36500 days",
        ),
        (
            "[gratitude.triggers.fee_forgiveness]\nmax_amount = inf\n",
            "[gratitude.triggers.fee_forgiveness] max_amount must be a number ≥ 0; got inf",
        ),
        (
            "[gratitude]\nholdout_share = 1.5\n",
            "[gratitude] holdout_share must be a number from 0 up to (not including) 1; got 1.5",
        ),
        (
            "[gratitude.triggers.detractor_callback]\nmax_nps = 11\n",
            "[gratitude.triggers.detractor_callback] max_nps must be a whole number from 0 to 10; "
            "got 11",
        ),
        (
            "[gratitude.triggers.milestone_thanks]\ntenure_years = [5, 1]\n",
            "[gratitude.triggers.milestone_thanks] tenure_years must be a list of whole numbers "
            "> 0 in increasing order",
        ),
    ],
)
def test_bad_values_are_named_with_what_is_expected(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert error_of(tmp_path, text).startswith(expected)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    assert error_of(tmp_path, "[contact\n").startswith("not valid TOML")


# --- docs --------------------------------------------------------------------------------


def documented_keys(docs: str) -> dict[str, set[str]]:
    """Keys in each section's table of ``docs/policy.md``: a heading naming ``[section]``
    (or "Top level") followed by table rows starting with a backquoted key."""
    found: dict[str, set[str]] = {}
    section = None
    for line in docs.splitlines():
        if line.startswith("#"):
            named = re.search(r"`\[([a-z_.]+)\]`", line)
            section = named[1] if named else ("" if "Top level" in line else None)
            continue
        row = re.match(r"^\| `([a-z_]+)` \|", line)
        if row and section is not None:
            found.setdefault(section, set()).add(row[1])
    return found


def test_every_policy_key_is_documented_in_its_section() -> None:
    docs = documented_keys((REPO / "docs" / "policy.md").read_text(encoding="utf-8"))
    missing = [
        path
        for path in key_paths()
        if path.rpartition(".")[2] not in docs.get(path.rpartition(".")[0], set())
    ]
    assert missing == []
    extra = [
        f"{section}.{key}".lstrip(".")
        for section, keys in docs.items()
        for key in keys
        if f"{section}.{key}".lstrip(".") not in key_paths()
    ]
    assert extra == []
