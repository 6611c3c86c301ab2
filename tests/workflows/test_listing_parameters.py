"""No query-string parameter of an admin listing or export acts as a database lookup.

wagtail-modeladmin's listing (schools, until it moved to the scoped viewset base)
turned any parameter it did not know into an ORM filter: a specialist could ask
``?leaders__password__startswith=md5`` of the schools listing and read, row by
row, a yes/no answer about other users' password hashes or other groups' data.

Here every admin listing, export, chooser and report the walk of
``test_every_admin_url`` finds is fetched by every role with parameters that are
no declared filter (unknown names, lookups through relations onto passwords and
emails, ``__regex``, bogus ordering, a declared filter given nonsense). Each must
answer below 500 and either refuse plainly (400) or list exactly the rows it lists
without the parameter: the parameter changes nothing. The declared parameters that
do change a listing (a search, a page number) must still answer malformed values
with no server error. A listing added later is walked too.
"""

import pytest

from tests.workflows import hubdata
from tests.workflows.test_every_admin_url import (
    EXPORTABLE,
    ROLES,
    body,
    our_admin_patterns,
)

pytestmark = pytest.mark.django_db

# Each is a way the old listing could be asked about what lies outside the scope.
# Filters only ever narrow, so when all of them together leave the rows as they
# were, each of them alone does too: one request carries every distinct name.
UNDECLARED = {
    "no_such_filter": "1",
    "leaders__password__startswith": "md5",
    "leaders__email__regex": "^a",
    "school__leaders__password__startswith": "md5",
    "enrolments__work_group__code": "EMB-26-BFD",
    "enrolment__work_group__lead_specialist__username__startswith": "specialist2",
    "work_group__lead_specialist__password__startswith": "md5",
    "offered_group__code__startswith": "EMB",
    "name__regex": "^[A-M]",
    "urn__gte": "990200",
    "pk__in": "1,2,3",
    "o": "1.-2",
    "school": "not-an-id",
    "work_group": "999999999999999999999",
}
PROBES = [
    UNDECLARED,
    {"ordering": "leaders__password"},
    {"ordering": "-school__leaders__email"},
]

# Declared parameters, malformed: they may change the rows or be refused (a page
# that does not exist is a 404), never a server error.
DECLARED_PROBES = [
    {"q": "'; -- ² \x00"},
    {"q": "x" * 2000},
    {"p": "not-a-page"},
    {"p": "99999999999999999999"},
]

LISTING_NAMES = {
    "index",
    "index_results",
    "list",
    "list_results",
    "choose",
    "choose_results",
    "export_actions",
    "placement",
    "listing",
    "site_history",
    "site_history_results",
    "workflow",
    "workflow_results",
    "workflow_tasks",
    "workflow_tasks_results",
}


def listing_urls():
    """Every listing URL (and CSV export) of the admin walk, by name."""
    from django.urls import reverse

    urls = []
    for walked in our_admin_patterns():
        suffix = walked.name.rpartition(":")[2].removeprefix("wagtailadmin_reports:")
        if walked.kwargs or walked.kind is None or not walked.kind.listing:
            continue
        if suffix not in LISTING_NAMES and walked.suffix not in LISTING_NAMES:
            continue
        urls.append((walked.name, reverse(walked.name), {}))
        if walked.name in EXPORTABLE:
            urls.append((walked.name + " csv", reverse(walked.name), {"export": "csv"}))
    return urls


def rows(response):
    """What a listing shows: the export's bytes, or the ids of the objects it lists."""
    if response.get("Content-Type", "").startswith(("text/csv", "application/vnd")):
        return body(response)
    context = response.context or {}
    for key in ("object_list", "results", "items", "page_obj", "applications", "rows"):
        if key in context:
            found = context[key]
            found = getattr(found, "object_list", found)
            return sorted(str(getattr(item, "pk", item)) for item in found)
    return None


def test_the_walk_finds_the_listings_to_probe(demo):
    names = {name for name, _, _ in listing_urls()}
    for expected in (
        "pd_schools:index",
        "pd_schools:index csv",
        "pd_workgroups:index",
        "pd_applications:index csv",
        "wagtailsnippets_workflows_actionplan:list",
        "pd_school_chooser:choose_results",
        "wagtailadmin_reports:site_history",
    ):
        assert expected in names


@pytest.mark.parametrize("role", ROLES)
def test_undeclared_parameters_change_nothing_in_any_listing(client, demo, role):
    client.force_login(hubdata.user(role))
    problems = []
    for name, url, base_params in listing_urls():
        plain = client.get(url, base_params)
        if plain.status_code != 200:
            continue  # refused to this role outright: the walk proves those
        expected = rows(plain)
        for probe in PROBES:
            response = client.get(url, {**base_params, **probe})
            if response.status_code == 400:
                continue  # a plain refusal changes nothing either
            if response.status_code != 200:
                problems.append(f"{name} {probe}: {response.status_code}")
            elif expected is not None and rows(response) != expected:
                problems.append(f"{name} {probe}: the rows changed")
        for probe in DECLARED_PROBES:
            status = client.get(url, {**base_params, **probe}).status_code
            if status >= 500 or status not in (200, 400, 404):
                problems.append(f"{name} {probe}: {status}")
    assert not problems, "\n".join(problems)


def test_a_relation_lookup_on_the_schools_listing_is_no_oracle(client, demo):
    """The probe that read other users' password hashes through the old schools listing."""
    client.force_login(hubdata.user("specialist"))
    url = "/admin/pd/schools/"
    listed = rows(client.get(url))
    assert listed  # the specialist's own schools
    for prefix in ("md5", "pbkdf2", "zzz"):
        assert rows(client.get(url, {"leaders__password__startswith": prefix})) == listed
