"""The one date parser: scores files, rulebooks, leaderboards, ``--date`` and the caveats
that compare dates all read dates here, so no two paths disagree on what a date is."""

import datetime as _dt
import re

#: YYYY, YYYY-MM or YYYY-MM-DD in ASCII digits (``\\d`` would take any script's digits).
PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
_FULL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateError(ValueError):
    """Text that is not a date; ``str()`` says so in a few words ("not a real date: month
    13 does not exist"), ``why`` is the reason alone (empty when the form is wrong)."""

    def __init__(self, message: str, why: str = "") -> None:
        super().__init__(message)
        self.why = why


def parse_date(text: str, *, end: bool = False, full: bool = False) -> _dt.date:
    """A real calendar date written YYYY, YYYY-MM or YYYY-MM-DD.

    Args:
        text: The date as written.
        end: Take the last day of a partial date (2025-05 -> 2025-05-31), else the first.
        full: Require YYYY-MM-DD.

    Raises:
        DateError: not such a date.
    """
    if not isinstance(text, str) or not (_FULL if full else _DATE).fullmatch(text):
        form = "YYYY-MM-DD" if full else "YYYY, YYYY-MM or YYYY-MM-DD"
        other_digits = isinstance(text, str) and any(c.isdigit() and not c.isascii() for c in text)
        raise DateError(f"not {form}" + (" in the digits 0-9" if other_digits else ""))
    parts = [int(p) for p in text.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if end else 1)
    why = ""
    if year == 0:
        why = "there is no year 0000; the calendar starts at 0001"
    elif not 1 <= month <= 12:
        why = f"there is no month {month:02d}"
    else:
        last = days_in_month(year, month)
        day = parts[2] if len(parts) > 2 else (last if end else 1)
        if not 1 <= day <= last:
            why = f"{year:04d}-{month:02d} has no day {day:02d}"
    if why:
        raise DateError(f"not a real date: {why}", why)
    return _dt.date(year, month, day)


def date_problem(text: str) -> str | None:
    """Why ``text`` is not a date as YYYY, YYYY-MM or YYYY-MM-DD; None when it is one."""
    try:
        parse_date(text)
    except ValueError as exc:
        return f"date {text!r} is {exc}"
    return None


def days_in_month(year: int, month: int) -> int:
    """The number of days of a month (1-12) of a year (1-9999)."""
    # Not calendar.monthrange: importing calendar imports locale, a visible share
    # of advisor guide's start-up (issue 7).
    if month == 12:
        return 31
    return (_dt.date(year, month + 1, 1) - _dt.date(year, month, 1)).days


def months_before(day: _dt.date, months: int) -> _dt.date:
    """The same day ``months`` earlier (the month's last day when it is shorter); the
    first day of the calendar when that lies before it."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    if year < 1:
        return _dt.date.min
    last = days_in_month(year, month0 + 1)
    return _dt.date(year, month0 + 1, min(day.day, last))
