"""Small pieces shared by the PD models."""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

ACADEMIC_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")


def validate_academic_year(value: str) -> None:
    """Accept ``2026/27``-style academic years whose two halves follow each other."""
    match = ACADEMIC_YEAR_RE.match(value or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValidationError(
            "Enter an academic year like 2026/27: a year and the last two digits of the next.",
            code="academic_year",
        )


def academic_year_of(day: date) -> str:
    """Return the English academic year (September to August) that ``day`` falls in."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def AcademicYearField(**kwargs):
    """A ``2026/27``-style academic year, validated."""
    kwargs.setdefault("max_length", 7)
    kwargs.setdefault("validators", [validate_academic_year])
    kwargs.setdefault("help_text", "The academic year, such as 2026/27.")
    return models.CharField(**kwargs)


def PersonField(help_text: str):
    """Who did something to a record (recorded, uploaded, owns it): kept if they leave.

    The record stays when the login is deleted or purged, with nobody named.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=help_text,
    )


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
