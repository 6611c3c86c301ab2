"""What the hub lead reads in the admin: blank export cells, human labels and fields."""

import csv
import io

from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from tests.workflows import hubdata
from workflows.models import School, WorkGroup

pytestmark = pytest.mark.django_db

SCHOOLS_URL = "/admin/pd/schools/"


@pytest.fixture
def hub_lead(client, demo):
    client.force_login(hubdata.user("hublead"))
    return client


def test_the_schools_export_leaves_empty_values_blank(hub_lead):
    School.objects.create(urn=990999, name="Blank Facts Primary")
    response = hub_lead.get(SCHOOLS_URL, {"export": "csv", "q": "Blank Facts"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["Name"] == "Blank Facts Primary"
    assert row["URN"] == "990999"
    assert row["Town"] == ""
    assert row["Postcode"] == ""
    assert "-" not in row.values()


def test_the_schools_filter_names_gias_properly(hub_lead):
    html = hub_lead.get(SCHOOLS_URL).content.decode()
    assert "Missing from GIAS" in html
    assert "missing from gias" not in html
    assert "Missing from gias" not in html


def test_the_work_group_page_shows_the_hubs_fields_not_the_databases(hub_lead):
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    response = hub_lead.get(reverse("pd_workgroups:inspect", args=[group.pk]))
    soup = BeautifulSoup(response.content, "html.parser")
    labels = [dt.get_text(strip=True) for dt in soup.select("main dt")]
    assert "Created at" not in labels
    assert "ID" not in labels
    assert "Allow over capacity" not in labels
    assert {"Name", "Code", "Lead specialist", "Capacity", "Area", "Meeting town"} <= set(labels)
