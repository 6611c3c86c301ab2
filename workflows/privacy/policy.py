"""Turn the retention setting into cut-off dates, and the markers that replace personal data.

Retention periods are whole months counted from an event (a decision, the end of
an academic year, a last sign-in). A record is past retention when that event
happened before "today minus the period": :func:`months_before` gives that
cut-off. Academic years are stored as ``2025/26`` strings; one ends on 31 August
of its second calendar year, and :func:`years_ended_before` turns a cut-off date
into a bound for ``academic_year__lt``, so the filter runs in the database.
"""

import calendar
from datetime import date, datetime

from workflows.models import RetentionPolicy

#: What replaces a name, a free-text field or a role once its retention has passed.
MARKER = "Anonymised"
#: What replaces a required email address: a reserved domain (RFC 2606) that no
#: mail is ever delivered to, and that admin forms still accept as an address.
MARKER_EMAIL = "anonymised@anonymised.invalid"


def current_policy(request=None) -> RetentionPolicy:
    """Return the hub's retention policy (created with its defaults if never saved)."""
    return RetentionPolicy.load(request_or_site=request)


def months_before(moment, months: int):
    """Return ``moment`` (a date or datetime) moved back ``months`` calendar months.

    The day is clamped to the length of the target month (31 March less one
    month is 28 or 29 February), as people count months.
    """
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def academic_year_end(academic_year: str) -> date:
    """Return the last day (31 August) of a ``2025/26``-style academic year."""
    return date(int(academic_year[:4]) + 1, 8, 31)


def years_ended_before(cutoff: date) -> str:
    """Return a bound ``b`` such that ``academic_year < b`` means "ended before ``cutoff``".

    ``2024/25`` ends on 31 August 2025, so it ended before 1 September 2025 and
    not before 31 August 2025. The bound is the start year of the earliest
    academic year still running (or ending) on ``cutoff`` followed by ``/``, which
    sorts just before every year that starts with it (``"2025/" < "2025/26"``).
    """
    last_ended_start = cutoff.year - 1 if cutoff > date(cutoff.year, 8, 31) else cutoff.year - 2
    return f"{last_ended_start + 1}/"


def cutoff_datetime(now: datetime, months: int) -> datetime:
    """Return the instant ``months`` before ``now``: events before it are past retention."""
    return months_before(now, months)
