"""Inspect pages read as records, not raw values ("Closed on None", "Missing from GIAS False")."""

import re

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from workflows.models import School


def text_of(response):
    html = re.sub(r"<(script|template|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
def test_a_schools_record_shows_blanks_and_flags_in_words(client, demo):
    school = School.objects.get(urn=990101)
    School.objects.filter(pk=school.pk).update(closed_on=None, missing_from_gias=False)
    client.force_login(get_user_model().objects.get(username="hublead"))
    text = text_of(client.get(reverse("pd_schools:inspect", args=[school.pk])))
    assert re.search(r"Closed on\s+Not recorded", text, re.I), text
    assert re.search(r"Missing from GIAS\s+No", text, re.I), text
    assert "None" not in text and "False" not in text
