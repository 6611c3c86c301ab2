"""Evidence per action (issue #14, part 3): files uploaded on "Track progress".

Each file becomes a Wagtail document in the school's private "PD attachments"
collection and an ``ActionEvidence`` row; it is listed under its action on the
tracking page and the governors' print, served through Wagtail's checked view to
exactly the people who may see the plan, removable by its uploader, the
specialist or a hub lead, and deleted with its action or by the retention purge.
"""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from wagtail.documents import get_document_model
from wagtail.models import WorkflowState

import pytest

from tests.workflows.test_plan_tracking import (
    NS,
    STALE,
    actions_of,
    refused,
    track_data,
    track_url,
    user,
)
from workflows.demo.plans import build_plan, drive
from workflows.documents.private import school_collection
from workflows.models import Action, ActionEvidence, ActionPlan, School
from workflows.plans.models import ActionPlanLogEntry, ActionStatus, PlanState

Document = get_document_model()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Files go to a temporary media root, removed with the test's directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def agreed(demo):
    """Brookfield's (head's school) plan, agreed by the specialist and the head."""
    plan = build_plan(
        School.objects.get(urn=990101), specialist=user("specialist"), title="Brookfield: agreed"
    )
    drive(
        plan, "agreed", specialist=user("specialist"), leader=user("head"), hub_lead=user("hublead")
    )
    plan.refresh_from_db()
    return plan


def pdf(name="minutes.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(client, plan, number=1, *, file=None, description="", **changes):
    """Post the tracking form with a file for action ``number``; return the response."""
    data = track_data(client, plan, **changes)
    action = actions_of(plan)[number - 1]
    data[f"evidence_{action.pk}"] = file or pdf()
    data[f"evidence_description_{action.pk}"] = description
    return client.post(track_url(plan), data)


def fetch(username, url):
    other = Client()
    if username:
        other.force_login(user(username))
    return other.get(url)


def test_a_head_adds_evidence_into_the_schools_private_collection(client, agreed, media):
    plan = agreed
    first = actions_of(plan)[0]
    revisions = plan.revisions.count()
    client.force_login(user("head"))

    response = upload(client, plan, description="Minutes of the staff meeting", note_1="Shared.")

    assert response.status_code == 302
    item = ActionEvidence.objects.get()
    assert (item.plan, item.action, item.description, item.uploaded_by) == (
        plan,
        first,
        "Minutes of the staff meeting",
        user("head"),
    )
    document = item.document
    assert document.collection == school_collection(plan.school)
    assert document.uploaded_by_user == user("head")
    assert document.title == "Minutes of the staff meeting"
    assert document.file_size == len(PDF) and document.file_hash
    assert (media / document.file.name).read_bytes() == PDF
    # Tracking, not a change to what was agreed.
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED and plan.revisions.count() == revisions
    assert plan.current_workflow_state is None
    entry = ActionPlanLogEntry.objects.get(object_id=str(plan.pk), action="workflows.plan_tracked")
    assert (entry.user, entry.data["evidence"], entry.data["notes"]) == (user("head"), [1], [1])
    assert "1 file of evidence added" in entry.message

    # Listed under its action on Track progress and on the print, linked to Wagtail's serve view.
    link = f'href="{document.url}"'
    assert document.url == reverse("wagtaildocs_serve", args=[document.pk, document.filename])
    track = client.get(track_url(plan)).content.decode()
    assert link in track and "Minutes of the staff meeting" in track
    printed = client.get(reverse(f"{NS}:print", args=[plan.pk])).content.decode()
    assert link in printed and "Minutes of the staff meeting" in printed


@pytest.mark.parametrize(
    ("username", "served"),
    [
        ("head", True),
        ("specialist", True),
        ("hublead", True),
        ("head2", False),  # another school's head
        ("specialist2", False),  # another group's specialist
        ("editor", False),  # pages and media, nothing of the PD data
        (None, False),  # anonymous
    ],
)
def test_evidence_is_served_exactly_to_those_who_may_see_the_plan(client, agreed, username, served):
    client.force_login(user("head"))
    assert upload(client, agreed).status_code == 302
    url = ActionEvidence.objects.get().document.url

    response = fetch(username, url)

    if served:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    elif username is None:
        assert response.status_code == 302 and "login" in response["Location"]
    else:
        assert response.status_code in (403, 404)


def test_a_plans_own_specialist_from_another_group_opens_its_evidence(client, agreed):
    """Evidence follows the plan's rule: its assigned specialist, whatever group they lead."""
    client.force_login(user("head"))
    assert upload(client, agreed).status_code == 302
    url = ActionEvidence.objects.get().document.url
    assert fetch("specialist2", url).status_code == 403
    ActionPlan.objects.filter(pk=agreed.pk).update(specialist=user("specialist2"))
    assert fetch("specialist2", url).status_code == 200
    assert fetch("head2", url).status_code == 403


def test_the_track_and_print_pages_list_only_their_own_plans_evidence(client, agreed):
    client.force_login(user("head"))
    assert upload(client, agreed, description="Brookfield's agreed-plan minutes").status_code == 302
    url = ActionEvidence.objects.get().document.url
    # Another plan of the same school (a draft awaiting the head) and another school's plan.
    for username, plan in (
        ("head", ActionPlan.objects.filter(school__urn=990101).exclude(pk=agreed.pk).first()),
        ("hublead", ActionPlan.objects.get(school__urn=990201)),
    ):
        client.force_login(user(username))
        page = client.get(reverse(f"{NS}:print", args=[plan.pk])).content.decode()
        assert "Brookfield's agreed-plan minutes" not in page and url not in page


def test_another_groups_specialist_never_reaches_the_track_page_or_the_file(client, agreed):
    client.force_login(user("head"))
    assert upload(client, agreed).status_code == 302
    client.force_login(user("specialist2"))
    assert client.get(track_url(agreed)).status_code == 404
    assert client.get(reverse(f"{NS}:print", args=[agreed.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "File extension “exe” is not allowed."),
        ("notes.pdf", b"", "The submitted file is empty."),
        ("huge.pdf", b"x" * 2048, "This file is too big (2.0\xa0KB): the largest file you can add"),
    ],
)
def test_a_bad_file_comes_back_with_a_clear_message_and_typed_values_kept(
    client, agreed, settings, name, content, message
):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    plan = agreed
    first, second, _ = actions_of(plan)
    documents = Document.objects.count()
    client.force_login(user("head"))

    response = upload(
        client,
        plan,
        file=SimpleUploadedFile(name, content),
        description="What it shows",
        status_2=ActionStatus.DONE,
        note_3="Kept as typed.",
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[f"evidence_{first.pk}"])
    assert message in response.content.decode().replace("&nbsp;", "\xa0")
    assert form[f"status_{second.pk}"].value() == ActionStatus.DONE
    assert form[f"evidence_description_{first.pk}"].value() == "What it shows"
    assert "Kept as typed." in response.content.decode()
    assert Document.objects.count() == documents
    assert not ActionEvidence.objects.exists()
    assert Action.objects.get(pk=second.pk).status == second.status
    assert not plan.progress_notes.filter(note="Kept as typed.").exists()


def test_a_description_without_a_file_is_refused(client, agreed):
    plan = agreed
    first = actions_of(plan)[0]
    client.force_login(user("head"))
    data = track_data(client, plan)
    data[f"evidence_description_{first.pk}"] = "Year 4 books"
    response = client.post(track_url(plan), data)
    assert response.status_code == 200
    assert "Choose the file this description is for." in response.content.decode()


def test_a_stale_page_uploads_nothing_and_asks_for_the_file_again(client, agreed, media):
    plan = agreed
    first = actions_of(plan)[0]
    client.force_login(user("head"))
    data = track_data(client, plan)
    data[f"evidence_{first.pk}"] = pdf()
    Action.objects.filter(pk=first.pk).update(status=ActionStatus.AT_RISK)  # someone else
    response = client.post(track_url(plan), data)
    assert response.status_code == 200
    assert STALE in response.content.decode()
    assert "Nothing was saved, so choose the file again." in response.content.decode()
    assert not ActionEvidence.objects.exists()
    assert not any(media.rglob("*.pdf"))


def remove(client, plan, item):
    return client.post(track_url(plan), {"remove_evidence": str(item.pk)})


def test_the_uploader_the_specialist_or_a_hub_lead_may_remove_evidence(
    client, agreed, media, django_capture_on_commit_callbacks
):
    plan = agreed
    client.force_login(user("specialist"))
    assert upload(client, plan, description="The specialist's notes").status_code == 302
    item = ActionEvidence.objects.get()
    path = media / item.document.file.name
    assert path.exists()

    # The head did not add it: refused, nothing removed.
    client.force_login(user("head"))
    assert client.get(track_url(plan)).content.decode().count('name="remove_evidence"') == 0
    assert refused(remove(client, plan, item))
    assert ActionEvidence.objects.filter(pk=item.pk).exists()

    client.force_login(user("hublead"))
    with django_capture_on_commit_callbacks(execute=True):
        response = remove(client, plan, item)
    assert response.status_code == 302
    assert not ActionEvidence.objects.exists()
    assert not Document.objects.filter(pk=item.document_id).exists()
    assert not path.exists()
    entry = ActionPlanLogEntry.objects.filter(action="workflows.plan_tracked").latest("pk")
    # The document's id stays in the log, for the retention purge to find its history.
    assert (entry.user, entry.data) == (
        user("hublead"),
        {"evidence_removed": [1], "documents": [item.document_id]},
    )
    assert entry.message == "Evidence removed from action 1"
    # The state of the plan is untouched.
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED and plan.current_workflow_state is None


def test_removing_evidence_through_another_plan_is_a_404(client, agreed):
    client.force_login(user("head"))
    assert upload(client, agreed).status_code == 302
    item = ActionEvidence.objects.get()
    other = build_plan(
        School.objects.get(urn=990101), specialist=user("specialist"), title="Brookfield: other"
    )
    drive(
        other,
        "agreed",
        specialist=user("specialist"),
        leader=user("head"),
        hub_lead=user("hublead"),
    )
    client.force_login(user("hublead"))
    assert remove(client, other, item).status_code == 404
    assert client.post(track_url(agreed), {"remove_evidence": "²"}).status_code == 404
    assert ActionEvidence.objects.filter(pk=item.pk).exists()


def test_an_action_removed_in_a_later_agreed_version_takes_its_files(
    client, agreed, media, django_capture_on_commit_callbacks
):
    plan = agreed
    third = actions_of(plan)[2]
    client.force_login(user("head"))
    assert upload(client, plan, 3).status_code == 302
    item = ActionEvidence.objects.get()
    path = media / item.document.file.name

    # The specialist drops the third action; both approve; the change is published.
    draft = plan.get_latest_revision_as_object()
    draft.actions = [a for a in draft.actions.all() if a.pk != third.pk]
    draft.save_revision(user=user("specialist"))
    workflow = plan.get_workflow()
    workflow.start(plan, user("specialist"))
    with django_capture_on_commit_callbacks(execute=True):
        for who in ("specialist", "head"):
            plan.refresh_from_db()
            task_state = plan.current_workflow_task_state
            task_state.task.specific.on_action(task_state, user(who), "approve")

    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED
    assert not Action.objects.filter(pk=third.pk).exists()
    assert not ActionEvidence.objects.exists()
    assert not Document.objects.filter(pk=item.document_id).exists()
    assert not path.exists()
    assert WorkflowState.objects.filter(object_id=str(plan.pk)).exists()


#: The session and user (2), the user's permissions and groups, profile and scope (5),
#: the plan and its scope check (3), then the page's own six (actions, the agreed
#: version's due dates, the hub's plan rules, criteria, evidence with its documents and
#: uploaders, progress notes) and Wagtail's menu (4).
QUERIES_OF_THE_TRACK_PAGE = 19


def test_the_track_page_takes_a_fixed_number_of_queries_however_much_is_tracked(
    client, agreed, django_assert_num_queries
):
    plan = agreed
    client.force_login(user("head"))
    for more in (1, 2):
        for number in (1, 2, 3):
            data = track_data(client, plan, note_1=f"Note {more}.{number}")
            action = actions_of(plan)[number - 1]
            data[f"evidence_{action.pk}"] = pdf(f"file-{more}-{number}.pdf")
            data[f"criterion_{action.pk}_1"] = "met" if more == 2 else "in_progress"
            data[f"criterion_notes_{action.pk}_1"] = f"Seen, round {more}."
            assert client.post(track_url(plan), data).status_code == 302
        client.get(track_url(plan))  # shows (and clears) the "Saved" message
        with django_assert_num_queries(QUERIES_OF_THE_TRACK_PAGE):
            page = client.get(track_url(plan)).content.decode()
        assert page.count('href="/documents/') == 3 * more


# The first bytes of a PNG and of a JPEG: photos of pupils' work, as schools take them.
PHOTOS = [
    ("books.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32),
    ("books.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32),
]


@pytest.mark.parametrize(("name", "content"), PHOTOS)
def test_a_photo_of_pupils_work_is_evidence(client, agreed, media, name, content):
    client.force_login(user("head"))
    response = upload(client, agreed, file=SimpleUploadedFile(name, content), description="Books")
    assert response.status_code == 302
    document = ActionEvidence.objects.get().document
    assert (media / document.file.name).read_bytes() == content
    assert fetch("specialist", document.url).status_code == 200
    assert fetch("head2", document.url).status_code == 403
