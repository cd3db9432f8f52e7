"""Late penalties: due dates per chapter, nbgrader's ``timestamp.txt``, extensions, one policy.

The course's deadlines live in one TOML file (``deadlines.toml`` beside ``submitted/``)::

    timezone = "Europe/Zurich"      # due dates written without an offset are in this zone
    grace_minutes = 15              # this late still counts as on time
    policy = "per_day"              # none | per_day | zero_after
    percent_per_day = 10            # per_day: % of the points earned lost per started day late
    zero_after_days = 7             # per_day (optional) or zero_after: 0 points when later than this
    extensions = "extensions.csv"   # optional, relative to this file

    [due]
    01_convolution = "2026-10-05 23:59"
    04_channels = 2026-10-26T23:59:00+01:00

Lateness is measured from the due date (plus the student's extension); the grace period only
decides whether a submission is late at all. A started day counts as a day. The submission time is
the one nbgrader's exchange writes into ``timestamp.txt`` (``2026-10-05 21:59:00.123456 UTC``);
a timestamp without a zone is read as UTC, as nbgrader reads it. A submission without a readable
timestamp is not penalised, and its feedback says why.

Extensions (CSV): ``student,chapter,days`` or ``student,chapter,due``; an empty chapter or ``*``
means every chapter. Everything here is a pure function of its arguments, applied to a results
document when a submission is recorded.
"""

from __future__ import annotations

import csv
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder.course_dir import TIMESTAMP
from autograder.engine import exercises
from autograder.errors import UsageError, did_you_mean

POLICIES = ("none", "per_day", "zero_after")
DAY = timedelta(days=1)


class ConfigError(UsageError, ValueError):
    """The deadlines file or the extensions CSV cannot be used as written."""


@dataclass(frozen=True)
class Policy:
    kind: str = "none"
    percent_per_day: float = 0.0
    zero_after_days: float | None = None
    grace: timedelta = timedelta(0)

    def __post_init__(self):
        if self.kind not in POLICIES:
            raise ConfigError(f"policy must be one of {', '.join(POLICIES)}, not {self.kind!r}")
        if not 0 <= self.percent_per_day <= 100:
            raise ConfigError(f"percent_per_day must be between 0 and 100, not {self.percent_per_day}")
        if self.zero_after_days is not None and self.zero_after_days < 0:
            raise ConfigError(f"zero_after_days must be 0 or more, not {self.zero_after_days}")
        if self.grace < timedelta(0):
            raise ConfigError("grace_minutes must be 0 or more")

    def percent(self, days_late: int) -> float:
        """Percentage of the earned points taken away for a submission ``days_late`` started days late."""
        if self.kind == "none" or days_late <= 0:
            return 0.0
        if self.zero_after_days is not None and days_late > self.zero_after_days:
            return 100.0
        if self.kind == "zero_after":
            return 0.0 if self.zero_after_days is not None else 100.0
        return min(100.0, self.percent_per_day * days_late)

    def describe(self) -> str:
        grace = f", {self.grace.total_seconds() / 60:g} min grace" if self.grace else ""
        if self.kind == "none":
            return "no late penalty"
        if self.kind == "zero_after":
            return f"0 points when more than {self.zero_after_days or 0:g} days late{grace}"
        zero = f", 0 points after {self.zero_after_days:g} days" if self.zero_after_days is not None else ""
        return f"{self.percent_per_day:g}% of the points earned per started day late{zero}{grace}"


@dataclass(frozen=True)
class Deadlines:
    """Due dates (aware datetimes) per chapter, the policy, and extensions per (student, chapter)."""

    due: dict[str, datetime] = field(default_factory=dict)
    policy: Policy = field(default_factory=Policy)
    # (student, chapter or "*") -> either an extra timedelta or a new due date
    extensions: dict[tuple[str, str], timedelta | datetime] = field(default_factory=dict)

    def due_for(self, student: str, chapter: str) -> tuple[datetime | None, str]:
        """The student's due date for ``chapter`` and a note naming any extension."""
        base = self.due.get(chapter)
        ext = self.extensions.get((student, chapter), self.extensions.get((student, "*")))
        if isinstance(ext, datetime):
            return ext, f"extension to {_show(ext)}"
        if isinstance(ext, timedelta) and base is not None:
            return base + ext, f"extension of {_show_delta(ext)}"
        return base, ""


@dataclass(frozen=True)
class Lateness:
    """How late one submission was, and what that costs."""

    submitted_at: datetime | None
    due: datetime | None  # the student's, extension included
    days_late: int
    percent: float
    note: str
    chapter_due: datetime | None = None  # the chapter's, for everyone

    def as_dict(self, raw_score: float) -> dict:
        penalty = round(raw_score * self.percent / 100, 2)
        return {
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "due": self.due.isoformat() if self.due else None,
            "chapter_due": self.chapter_due.isoformat() if self.chapter_due else None,
            "days_late": self.days_late,
            "percent": self.percent,
            "raw_score": raw_score,
            "penalty": penalty,
            "note": self.note,
        }


def _show(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def _show_delta(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours % 24 == 0 else f"{hours:g} hours"


_ZONE = re.compile(r"^(?P<moment>.*?\d)(?:\s*(?P<zone>Z|[A-Za-z][A-Za-z_/+\-0-9]*|[+-]\d\d:?\d\d))?$")


def parse_moment(text: str, default_zone) -> datetime:
    """``2026-10-05 23:59``, ISO 8601, or nbgrader's ``2026-10-05 21:59:00.123 UTC``, as an aware
    datetime. Without a zone, ``default_zone`` applies; a zone may be UTC/GMT/Z, an offset
    (+02:00, +0200) or an IANA name (Europe/Zurich). Abbreviations such as CEST are ambiguous and
    refused."""
    text = text.strip()
    match = _ZONE.match(text)
    if not match:
        raise ValueError(f"not a date and time: {text!r}")
    moment, zone = match["moment"], match["zone"]
    if zone and zone[0] in "+-":
        moment, zone = moment + zone, None  # fromisoformat reads the offset
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        raise ValueError(f"not a date and time: {text!r} (write 2026-10-05 23:59)") from None
    if parsed.tzinfo is not None:
        return parsed
    if zone is None:
        return parsed.replace(tzinfo=default_zone)
    if zone.upper() in ("UTC", "GMT", "Z"):
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.replace(tzinfo=ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {zone!r} in {text!r}: write an offset such as +02:00 or a name such as "
            "Europe/Zurich"
        ) from None


def read_timestamp(folder: Path) -> tuple[datetime | None, str]:
    """The submission time from nbgrader's ``timestamp.txt`` in ``folder``, or None and why not."""
    path = folder / TIMESTAMP
    if not path.exists():
        return None, f"no {TIMESTAMP} was submitted, so the submission time is unknown: no late penalty"
    try:
        return parse_moment(path.read_text(errors="replace"), UTC), ""
    except ValueError as exc:
        return None, f"{TIMESTAMP} could not be read ({exc}): no late penalty"


def assess(deadlines: Deadlines, student: str, chapter: str, submitted_at: datetime | None, note: str = ""):
    """The lateness of one submission (``note`` explains a missing submission time)."""
    due, ext_note = deadlines.due_for(student, chapter)
    chapter_due = deadlines.due.get(chapter)
    notes = [n for n in (note, ext_note) if n]
    late_by = submitted_at - due if due is not None and submitted_at is not None else None
    if late_by is None or deadlines.policy.kind == "none" or late_by <= deadlines.policy.grace:
        return Lateness(submitted_at, due, 0, 0.0, "; ".join(notes), chapter_due)
    days = max(1, math.ceil(late_by / DAY))
    percent = deadlines.policy.percent(days)
    hours = late_by.total_seconds() / 3600
    notes.insert(0, f"submitted {hours:.1f} hours after the due date ({_show(due)}): {days} day(s) late")
    return Lateness(submitted_at, due, days, percent, "; ".join(notes), chapter_due)


def apply(results: dict, lateness: Lateness) -> dict:
    """A copy of a results document with the penalty taken off its score and said in its output. Its
    ``late`` field keeps the grader's own score and output, which applying it again starts from."""
    earlier = results.get("late", {})
    raw = earlier.get("raw_score", results["score"])
    message = earlier.get("raw_output", results.get("output", ""))
    late = {**lateness.as_dict(raw), "raw_output": message}
    line = _message(late, lateness)
    return {
        **results,
        "score": round(raw - late["penalty"], 2),
        "late": late,
        "output": "\n".join(x for x in (line, message) if x),
    }


def _message(late: dict, lateness: Lateness) -> str:
    if late["percent"]:
        return (
            f"Late: {lateness.note}; -{late['percent']:g}% = -{late['penalty']:g} points "
            f"({late['raw_score']:g} -> {late['raw_score'] - late['penalty']:g})."
        )
    return f"Late: {lateness.note}." if lateness.note else ""


def load(path: str | Path) -> Deadlines:
    """Read a deadlines TOML file (and the extensions CSV it names); errors name the key at fault."""
    path = Path(path)
    try:
        config = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    known = {"timezone", "grace_minutes", "policy", "percent_per_day", "zero_after_days", "extensions", "due"}
    unknown = sorted(set(config) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    try:
        zone = ZoneInfo(config.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{path}: timezone {config.get('timezone')!r} is not an IANA time zone name"
        ) from None
    policy = Policy(
        kind=config.get("policy", "none"),
        percent_per_day=float(config.get("percent_per_day", 0)),
        zero_after_days=config.get("zero_after_days"),
        grace=timedelta(minutes=float(config.get("grace_minutes", 0))),
    )
    due = {}
    for chapter, value in config.get("due", {}).items():
        if chapter not in exercises.CHAPTERS:
            raise ConfigError(
                f"{path}: [due] names an unknown chapter {chapter!r}"
                f"{did_you_mean(chapter, exercises.CHAPTERS)}; no penalty was changed"
            )
        try:
            due[chapter] = _moment(value, zone)
        except ValueError as exc:
            raise ConfigError(f"{path}: due date of {chapter}: {exc}") from None
    extensions = {}
    if config.get("extensions"):
        extensions = load_extensions(path.parent / config["extensions"], zone)
    return Deadlines(due, policy, extensions)


def _moment(value, zone) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):  # a bare date: the end of that day
        return datetime(value.year, value.month, value.day, 23, 59, 59, tzinfo=zone)
    return parse_moment(str(value), zone)


def load_extensions(path: Path, zone) -> dict[tuple[str, str], timedelta | datetime]:
    """``student,chapter,days`` (or ``hours``) or ``student,chapter,due`` rows."""
    try:
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise ConfigError(f"extensions file {path}: {exc.strerror or exc}") from None
    out = {}
    for line, row in enumerate(rows, start=2):
        student = (row.get("student") or "").strip()
        chapter = (row.get("chapter") or "").strip() or "*"
        if not student:
            raise ConfigError(f"{path}, line {line}: no student")
        if chapter != "*" and chapter not in exercises.CHAPTERS:
            raise ConfigError(
                f"{path}, line {line} ({student}): unknown chapter {chapter!r}"
                f"{did_you_mean(chapter, exercises.CHAPTERS)}; no penalty was changed"
            )
        try:
            if (row.get("due") or "").strip():
                out[(student, chapter)] = parse_moment(row["due"], zone)
            elif (row.get("days") or "").strip():
                out[(student, chapter)] = timedelta(days=float(row["days"]))
            elif (row.get("hours") or "").strip():
                out[(student, chapter)] = timedelta(hours=float(row["hours"]))
            else:
                raise ValueError("give a number of days, hours, or a new due date")
        except ValueError as exc:
            raise ConfigError(f"{path}, line {line} ({student}): {exc}") from None
    return out


def check_students(deadlines: Deadlines, students, where: str | Path) -> None:
    """:class:`ConfigError` if an extension names a student who submitted nothing (a misspelt login
    would otherwise give nobody the extension, silently)."""
    known = set(students)
    unknown = sorted({student for student, _ in deadlines.extensions} - known)
    if unknown:
        hint = did_you_mean(unknown[0], known)
        raise ConfigError(
            f"{where}: extension(s) for {', '.join(unknown)}, who submitted nothing here{hint}; "
            "no penalty was changed"
        )
