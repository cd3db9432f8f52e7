"""Late penalties: each policy, the grace period, extensions, time zones and a missing timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from autograder.classroom import late

ZURICH = ZoneInfo("Europe/Zurich")
DUE = datetime(2026, 10, 5, 23, 59, tzinfo=ZURICH)  # 21:59 UTC (summer time, +02:00)
CH = "01_convolution"


def deadlines(kind="per_day", percent=10, zero_after=None, grace=0, extensions=None):
    policy = late.Policy(kind, percent, zero_after, timedelta(minutes=grace))
    return late.Deadlines({CH: DUE}, policy, extensions or {})


def percent(dl, submitted, student="ada"):
    return late.assess(dl, student, CH, submitted).percent


def test_on_time_and_no_policy_cost_nothing():
    assert percent(deadlines(), DUE) == 0
    assert percent(deadlines(kind="none"), DUE + timedelta(days=30)) == 0


def test_per_day_counts_started_days_and_stops_at_everything():
    dl = deadlines(percent=10)
    assert percent(dl, DUE + timedelta(minutes=1)) == 10
    assert percent(dl, DUE + timedelta(hours=24)) == 10
    assert percent(dl, DUE + timedelta(hours=24, seconds=1)) == 20
    assert percent(dl, DUE + timedelta(days=30)) == 100


def test_per_day_with_a_last_day():
    dl = deadlines(percent=10, zero_after=2)
    assert percent(dl, DUE + timedelta(hours=47)) == 20
    assert percent(dl, DUE + timedelta(hours=49)) == 100


def test_zero_after_n_days():
    dl = deadlines(kind="zero_after", zero_after=3)
    assert percent(dl, DUE + timedelta(days=2, hours=23)) == 0
    assert percent(dl, DUE + timedelta(days=3, hours=1)) == 100
    assert percent(deadlines(kind="zero_after"), DUE + timedelta(seconds=61)) == 100


def test_grace_period_decides_whether_late_not_how_late():
    dl = deadlines(percent=10, grace=15)
    assert percent(dl, DUE + timedelta(minutes=15)) == 0
    found = late.assess(dl, "ada", CH, DUE + timedelta(minutes=16))
    assert found.percent == 10 and found.days_late == 1


def test_time_zones_are_compared_as_instants():
    dl = deadlines(percent=10)
    # 22:30 UTC is 00:30 in Zurich: half an hour late, although "22:30" reads earlier than "23:59".
    assert percent(dl, late.parse_moment("2026-10-05 22:30:00.000001 UTC", UTC)) == 10
    assert percent(dl, late.parse_moment("2026-10-05 21:58:59 UTC", UTC)) == 0
    assert percent(dl, late.parse_moment("2026-10-05T17:58:00-04:00", UTC)) == 0  # 21:58 UTC
    assert percent(dl, late.parse_moment("2026-10-06 00:10 Europe/Zurich", UTC)) == 10


def test_nbgrader_timestamps_without_a_zone_are_utc_and_abbreviations_are_refused():
    assert late.parse_moment("2026-10-05 21:59:00.5", UTC) == datetime(2026, 10, 5, 21, 59, 0, 500000, UTC)
    with pytest.raises(ValueError, match="unknown time zone 'CEST'"):
        late.parse_moment("2026-10-05 23:00:00 CEST", UTC)


def test_missing_or_unreadable_timestamp_is_not_penalised_and_says_so(tmp_path):
    moment, why = late.read_timestamp(tmp_path)
    assert moment is None and "no timestamp.txt" in why
    found = late.assess(deadlines(), "ada", CH, moment, why)
    assert found.percent == 0 and "no timestamp.txt" in found.note
    (tmp_path / "timestamp.txt").write_text("yesterday evening")
    moment, why = late.read_timestamp(tmp_path)
    assert moment is None and "could not be read" in why and "yesterday evening" in why
    (tmp_path / "timestamp.txt").write_text("2026-10-05 22:30:00.123456 UTC\n")
    assert late.read_timestamp(tmp_path) == (datetime(2026, 10, 5, 22, 30, 0, 123456, UTC), "")


def test_extensions_move_the_due_date_for_one_student():
    dl = deadlines(extensions={("bob", CH): timedelta(days=2), ("eve", "*"): DUE + timedelta(days=5)})
    submitted = DUE + timedelta(days=1)
    assert percent(dl, submitted, "ada") == 10
    assert (
        percent(dl, submitted, "bob") == 0
        and "extension of 2 days" in late.assess(dl, "bob", CH, submitted).note
    )
    assert percent(dl, DUE + timedelta(days=4), "eve") == 0
    assert percent(dl, DUE + timedelta(days=6), "eve") == 10


def test_apply_takes_the_percentage_of_the_points_earned_once():
    results = {"score": 8.0, "output": "", "tests": []}
    found = late.assess(deadlines(percent=25), "ada", CH, DUE + timedelta(hours=30))
    once = late.apply(results, found)
    assert once["score"] == 4.0 and once["late"]["raw_score"] == 8.0 and once["late"]["penalty"] == 4.0
    assert (
        once["output"].startswith("Late: submitted 30.0 hours after the due date")
        and "-50%" in once["output"]
    )
    again = late.apply(once, late.assess(deadlines(percent=25), "ada", CH, DUE))  # re-applied: from the raw
    assert again["score"] == 8.0 and "Late:" not in again["output"]


def test_config_file_and_extensions_csv(tmp_path):
    (tmp_path / "extensions.csv").write_text(
        "student,chapter,days,due\nbob,01_convolution,3,\neve,,,2026-12-01 12:00\n"
    )
    (tmp_path / "deadlines.toml").write_text(
        'timezone = "Europe/Zurich"\ngrace_minutes = 5\npolicy = "per_day"\npercent_per_day = 20\n'
        'extensions = "extensions.csv"\n[due]\n01_convolution = "2026-10-05 23:59"\n'
        "04_channels = 2026-10-26T23:59:00+01:00\n05_one_by_one = 2026-11-02\n"
    )
    dl = late.load(tmp_path / "deadlines.toml")
    assert dl.due[CH] == DUE
    assert dl.due["04_channels"] == datetime(2026, 10, 26, 22, 59, tzinfo=UTC)
    assert dl.due["05_one_by_one"] == datetime(2026, 11, 2, 23, 59, 59, tzinfo=ZURICH)
    assert dl.policy == late.Policy("per_day", 20, None, timedelta(minutes=5))
    assert dl.extensions == {
        ("bob", CH): timedelta(days=3),
        ("eve", "*"): datetime(2026, 12, 1, 12, tzinfo=ZURICH),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('policy = "half"\n', "policy must be one of none, per_day, zero_after"),
        ('polcy = "none"\n', "unknown key(s) polcy"),
        ('timezone = "Mars/Olympus"\n', "timezone 'Mars/Olympus' is not an IANA time zone name"),
        ('[due]\n01_convolution = "soon"\n', "due date of 01_convolution: not a date and time: 'soon'"),
        ('extensions = "none.csv"\n', "extensions file"),
    ],
)
def test_config_errors_name_what_is_wrong(tmp_path, text, message):
    (tmp_path / "deadlines.toml").write_text(text)
    with pytest.raises(late.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        late.load(tmp_path / "deadlines.toml")
