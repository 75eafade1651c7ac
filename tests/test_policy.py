"""The policy file ``legame.toml``: defaults, round trip, validation errors, docs."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path

import pytest

from legame.errors import InputError
from legame.policy import (
    DEFAULT_POLICY,
    Cap,
    ContactTest,
    TestArm,
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
    # Keys without a value by default are shown commented out, with an example.
    commented = {"gratitude.end", "experiments.contact_tests"}
    assert written == set(key_paths()) - commented
    assert '\n# end = "' in text and "\n# [experiments.contact_tests." in text
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


# --- [experiments] -----------------------------------------------------------------------

WEEKLY_CAP = """
[experiments]
margin_rate = 0.25

[experiments.contact_tests.weekly_cap]
start = "2026-01-05"     # UTC date the arms start being enforced
end = 2026-04-05         # a TOML date reads too
seed = 7
channel = "all"
arms.low = { share = 0.5, per_7_days = 2 }
arms.high = { share = 0.5, per_7_days = 4, per_30_days = 12 }
"""


def test_experiments_default_to_a_30_percent_margin_and_no_contact_test() -> None:
    assert DEFAULT_POLICY.experiments.margin_rate == 0.3
    assert DEFAULT_POLICY.experiments.contact_tests == ()
    assert DEFAULT_POLICY.gratitude.end is None


def test_a_contact_test_reads_into_its_arms_and_caps(tmp_path: Path) -> None:
    policy = load_text(tmp_path, WEEKLY_CAP)
    assert policy.experiments.margin_rate == 0.25
    (test,) = policy.experiments.contact_tests
    assert test == ContactTest(
        name="weekly_cap",
        start=date(2026, 1, 5),
        end=date(2026, 4, 5),
        seed=7,
        channel="all",
        arms=(
            TestArm("low", 0.5, (Cap("all", 7, 2),)),
            TestArm("high", 0.5, (Cap("all", 7, 4), Cap("all", 30, 12))),
        ),
    )
    assert policy.experiments.contact_test("weekly_cap") is test
    assert policy.contact == DEFAULT_POLICY.contact  # a test leaves the policy's rules alone


def test_a_contact_test_runs_from_its_start_until_its_end_in_utc(tmp_path: Path) -> None:
    (test,) = load_text(tmp_path, WEEKLY_CAP).experiments.contact_tests
    assert not test.active(datetime(2026, 1, 4, 23, 59, 59))
    assert test.active(datetime(2026, 1, 5)) and test.active(datetime(2026, 4, 4, 23, 59))
    assert not test.active(datetime(2026, 4, 5))  # the end is exclusive
    assert (test.starts_at, test.ends_at) == (datetime(2026, 1, 5), datetime(2026, 4, 5))
    assert test.applies_to("email") and test.applies_to("sms")


def test_a_contact_test_without_end_or_seed_runs_on_with_seed_1_on_one_channel(
    tmp_path: Path,
) -> None:
    (test,) = load_text(
        tmp_path,
        "[experiments.contact_tests.sms-cadence]\nstart = '2026-01-05'\nchannel = 'sms'\n"
        "arms.a = { share = 0.2, per_1_day = 0 }\narms.b = { share = 0.8, per_14_days = 3 }\n",
    ).experiments.contact_tests
    assert (test.end, test.ends_at, test.seed, test.channel) == (None, None, 1, "sms")
    assert test.active(datetime(2999, 1, 1))
    assert test.arms[0].caps == (Cap("sms", 1, 0),)
    assert test.applies_to("sms") and not test.applies_to("email")


def test_arms_are_assigned_by_the_seeded_hash_of_test_and_customer(tmp_path: Path) -> None:
    (test,) = load_text(tmp_path, WEEKLY_CAP).experiments.contact_tests
    ids = [f"C{i:05d}" for i in range(2000)]
    arms = test.arms_of(ids)
    assert [test.arms[k] for k in arms[:50]] == [test.arm_of(cid) for cid in ids[:50]]
    other = dataclasses.replace(test, seed=8).arms_of(ids)
    assert (arms != other).mean() > 0.3  # a new seed is a new split


def test_the_gratitude_program_takes_an_optional_end_date(tmp_path: Path) -> None:
    policy = load_text(tmp_path, '[gratitude]\nend = "2026-12-31"\n')
    assert policy.gratitude.end == date(2026, 12, 31)
    assert policy.gratitude.holdout_share == DEFAULT_POLICY.gratitude.holdout_share


def _test_table(**lines: str) -> str:
    """A contact test whose lines are the valid ones, with ``lines`` replaced or added
    (an empty string drops a line)."""
    given = {
        "start": '"2026-01-05"',
        "end": '"2026-04-05"',
        "arms.low": "{ share = 0.5, per_7_days = 2 }",
        "arms.high": "{ share = 0.5, per_7_days = 4 }",
    } | lines
    body = "".join(f"{k} = {v}\n" for k, v in given.items() if v)
    return f"[experiments.contact_tests.weekly_cap]\n{body}"


SECTION = "[experiments.contact_tests.weekly_cap]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[experiments]\nmargin_rate = 1.5\n",
            "[experiments] margin_rate must be a number from 0 to 1; got 1.5",
        ),
        (
            "[experiments]\nmargin_rate = 'high'\n",
            "[experiments] margin_rate must be a number from 0 to 1; got 'high'",
        ),
        (
            "[experiments]\nmargin = 0.3\n",
            "[experiments] 'margin' is not a policy key; did you mean 'margin_rate'?",
        ),
        ("[experiments]\ncontact_tests = 3\n", "[experiments] contact_tests must be a table"),
        (
            "[experiments.contact_tests.Weekly]\nstart = '2026-01-05'\n",
            "[experiments.contact_tests] 'Weekly' is not a test name",
        ),
        (
            "[experiments.contact_tests]\nweekly = 3\n",
            "[experiments.contact_tests] weekly must be a table",
        ),
        (_test_table(start=""), f"{SECTION} start is required"),
        (
            _test_table(start='"2026-13-01"'),
            f'{SECTION} start must be a date "YYYY-MM-DD", such as "2026-01-05"; '
            "got '2026-13-01'",
        ),
        (
            _test_table(start="2026-01-05T10:00:00"),
            f'{SECTION} start must be a date "YYYY-MM-DD"',
        ),
        (
            _test_table(end='"2026-01-05"'),
            f"{SECTION} end must be after start (2026-01-05); got '2026-01-05'",
        ),
        (_test_table(seed="-1"), f"{SECTION} seed must be a whole number ≥ 0; got -1"),
        (
            _test_table(channel='"emial"'),
            f"{SECTION} channel names the channel 'emial', which is not in [contact] channels",
        ),
        (
            _test_table(chanel='"all"'),
            f"{SECTION} 'chanel' is not a policy key; did you mean 'channel'?",
        ),
        (_test_table(**{"arms.low": "", "arms.high": ""}), f"{SECTION} arms is required"),
        (
            _test_table(**{"arms.high": ""}),
            f"{SECTION} arms must hold at least 2 arms to compare; got 1",
        ),
        (
            _test_table(**{"arms.Low": "{ share = 0.5, per_7_days = 1 }", "arms.low": ""}),
            f"{SECTION} 'arms.Low' is not an arm name",
        ),
        (_test_table(**{"arms.low": "3"}), f"{SECTION} arms.low must be a table such as"),
        (
            _test_table(**{"arms.low": "{ per_7_days = 2 }"}),
            f"{SECTION} arms.low.share is required",
        ),
        (
            _test_table(**{"arms.low": "{ share = 0, per_7_days = 2 }"}),
            f"{SECTION} arms.low.share must be a number > 0 and at most 1; got 0",
        ),
        (
            _test_table(**{"arms.low": "{ share = true, per_7_days = 2 }"}),
            f"{SECTION} arms.low.share must be a number > 0 and at most 1; got true",
        ),
        (
            _test_table(**{"arms.low": "{ share = 0.5 }"}),
            f"{SECTION} arms.low has no cap; give it one or more",
        ),
        (
            _test_table(**{"arms.low": "{ share = 0.5, per_week = 2 }"}),
            f"{SECTION} arms.low.per_week is not an arm key",
        ),
        (
            _test_table(**{"arms.low": "{ share = 0.5, per_7_days = 2.5 }"}),
            f"{SECTION} arms.low.per_7_days must be a whole number ≥ 0; got 2.5",
        ),
        (
            _test_table(**{"arms.low": "{ share = 0.5, per_99999_days = 2 }"}),
            f"{SECTION} arms.low.per_99999_days is longer than 36500 days",
        ),
        (
            _test_table(**{"arms.low": "{ share = 0.5, per_1_day = 2, per_1_days = 3 }"}),
            f"{SECTION} arms.low repeats the 1-day window",
        ),
        (
            _test_table(**{"arms.low": "{ share = 0.3, per_7_days = 2 }"}),
            f"{SECTION} arms must have shares that add up to 1; they add up to 0.8",
        ),
        (
            "[gratitude]\nend = 2026\n",
            '[gratitude] end must be a date "YYYY-MM-DD", such as "2026-01-05"; got 2026',
        ),
    ],
)
def test_bad_experiment_values_name_the_section_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert error_of(tmp_path, text).startswith(expected)


def test_three_arms_of_a_third_each_add_up_to_one(tmp_path: Path) -> None:
    text = _test_table(**{"arms.low": "{ share = 0.333, per_7_days = 1 }"}).replace(
        "arms.high = { share = 0.5,", "arms.high = { share = 0.333,"
    )
    (test,) = load_text(
        tmp_path, text + "arms.mid = { share = 0.334, per_7_days = 3 }\n"
    ).experiments.contact_tests
    assert [arm.name for arm in test.arms] == ["low", "high", "mid"]
