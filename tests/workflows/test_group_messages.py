"""Messages to a Work Group: exactly the group's people, one copy each, sent once, read in scope."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from tests.workflows import hubdata
from workflows.groups.forms import BODY_MAX
from workflows.groups.messages import MESSAGE_ACTION, REPEAT_WINDOW
from workflows.models import Enrolment, GroupMessage, HubLogEntry, Participant, WorkGroup
from workflows.privacy.export import collect
from workflows.privacy.policy import MARKER
from workflows.privacy.purge import purge

pytestmark = pytest.mark.django_db


@pytest.fixture
def leeds(demo):
    group = WorkGroup.objects.get(code="DEV-26-LDS")
    for person in Participant.objects.filter(
        enrolment__work_group__code__in=["DEV-26-LDS", "EMB-26-BFD"]
    ):
        person.email = f"person{person.pk}@school.example"
        person.save(update_fields=["email"])
    return group


@pytest.fixture
def bradford(leeds):
    return WorkGroup.objects.get(code="EMB-26-BFD")


def url(group):
    return reverse("pd_workgroups:message", args=[group.pk])


def login(client, username):
    client.force_login(hubdata.user(username))
    return client


def send(client, group, subject="Meeting on Thursday", body="Bring your\r\nlesson plans.", **extra):
    data = {"subject": subject, "body": body, "audiences": ["participants", "heads"], **extra}
    return client.post(url(group), data)


def addresses(group):
    return set(
        Participant.objects.filter(enrolment__work_group=group).values_list("email", flat=True)
    )


def refused(response) -> bool:
    if response.status_code == 302:
        return response["Location"] == reverse("wagtailadmin_home")
    return response.status_code in (403, 404)


# --- Sending ---------------------------------------------------------------------------


def test_one_copy_to_each_of_the_groups_people_and_nobody_else(
    client, leeds, bradford, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "specialist")
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, leeds)
    assert response.status_code == 302
    assert response["Location"] == reverse("pd_workgroups:inspect", args=[leeds.pk])

    expected = addresses(leeds)
    assert len(mailoutbox) == len(expected)
    # One address per email, no copies: no recipient sees another's address.
    assert all(len(email.to) == 1 and not email.cc and not email.bcc for email in mailoutbox)
    assert {email.to[0] for email in mailoutbox} == expected
    assert not expected & addresses(bradford)
    specialist = hubdata.user("specialist")
    email = mailoutbox[0]
    assert email.subject == "Meeting on Thursday"
    assert email.reply_to == [specialist.email]
    assert email.body.startswith("Bring your\nlesson plans.")
    person = Participant.objects.get(email=email.to[0])
    # The footer says why this person received it.
    assert f"take part in {leeds.name} ({leeds.code})" in email.body
    assert person.enrolment.school.name in email.body

    message = GroupMessage.objects.get()
    assert (message.work_group, message.sent_by, message.recipient_count) == (
        leeds,
        specialist,
        len(expected),
    )
    assert set(message.recipients.all()) == set(
        Participant.objects.filter(enrolment__work_group=leeds)
    )
    entry = HubLogEntry.objects.get(action=MESSAGE_ACTION)
    assert entry.object_id == str(leeds.pk) and entry.user == specialist
    assert entry.data["recipients"] == len(expected)
    history = client.get(reverse("pd_workgroups:history", args=[leeds.pk])).content.decode()
    assert f"Message sent to {len(expected)} people (participants and head teachers)" in history


def test_heads_only_reaches_only_the_heads(
    client, leeds, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "specialist")
    with django_capture_on_commit_callbacks(execute=True):
        send(client, leeds, audiences=["heads"])
    heads = Participant.objects.filter(enrolment__work_group=leeds, role="head")
    assert {email.to[0] for email in mailoutbox} == {p.email for p in heads}
    assert "as head teacher for" in mailoutbox[0].body


def test_people_without_an_email_or_of_a_school_that_left_are_left_out_and_counted(
    client, leeds, mailoutbox, django_capture_on_commit_callbacks
):
    enrolments = list(leeds.enrolments.order_by("pk"))
    Enrolment.objects.filter(pk=enrolments[0].pk).update(
        left_on=timezone.localdate() - timedelta(days=1)
    )
    left = set(enrolments[0].participants.values_list("email", flat=True))
    no_email = enrolments[1].participants.order_by("pk").first()
    Participant.objects.filter(pk=no_email.pk).update(email="")
    login(client, "specialist")

    page = client.get(url(leeds)).content.decode()
    assert (
        f"Left out: 1 without an email address and {len(left)} whose school has left the group."
        in page
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, leeds)
    sent = {email.to[0] for email in mailoutbox}
    assert not sent & left and "" not in sent
    assert sent == addresses(leeds) - left - {""}
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown == [
        f"“Meeting on Thursday” sent to {len(sent)} people in DEV-26-LDS. "
        f"Left out: 1 without an email address and {len(left)} whose school has left the group."
    ]


def test_a_shared_address_gets_one_copy(
    client, leeds, mailoutbox, django_capture_on_commit_callbacks
):
    people = list(Participant.objects.filter(enrolment__work_group=leeds).order_by("pk")[:2])
    Participant.objects.filter(pk=people[1].pk).update(email=people[0].email.upper())
    login(client, "specialist")
    with django_capture_on_commit_callbacks(execute=True):
        send(client, leeds)
    assert [email.to[0].lower() for email in mailoutbox].count(people[0].email) == 1
    message = GroupMessage.objects.get()
    assert message.recipient_count == len(mailoutbox)
    assert {people[0].pk, people[1].pk} <= set(message.recipients.values_list("pk", flat=True))


def test_a_double_submit_sends_once(client, leeds, mailoutbox, django_capture_on_commit_callbacks):
    login(client, "specialist")
    with django_capture_on_commit_callbacks(execute=True):
        send(client, leeds)
    first = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = send(client, leeds)
    assert first and len(mailoutbox) == first
    assert GroupMessage.objects.count() == 1
    assert HubLogEntry.objects.filter(action=MESSAGE_ACTION).count() == 1
    shown = [str(m) for m in again.wsgi_request._messages]
    assert "was already sent to the group" in shown[-1]  # after the first's "sent to"


def test_the_same_words_later_are_a_new_message(
    client, leeds, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "specialist")
    with django_capture_on_commit_callbacks(execute=True):
        send(client, leeds)
    GroupMessage.objects.update(sent_at=timezone.now() - REPEAT_WINDOW - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        send(client, leeds)
    assert GroupMessage.objects.count() == 2


def test_a_hub_lead_may_message_any_group(
    client, bradford, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "hublead")
    assert client.get(url(bradford)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        send(client, bradford)
    assert {email.to[0] for email in mailoutbox} == addresses(bradford)


# --- Who may not ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username, status",
    [
        ("specialist2", 404),  # another group's specialist: not in their scope
        ("head", 302),  # a school leader of one of the group's schools: Wagtail's 403
        ("head2", 404),
        ("editor", 404),
    ],
)
def test_others_cannot_message_the_group(client, leeds, mailoutbox, username, status):
    login(client, username)
    for response in (client.get(url(leeds)), send(client, leeds)):
        assert response.status_code == status
        if status == 302:  # Wagtail's answer to PermissionDenied: back to the dashboard
            assert refused(response)
    assert not GroupMessage.objects.exists() and not mailoutbox
    # Nor do they see the way to it on the group's page (if they may open it at all).
    page = client.get(reverse("pd_workgroups:inspect", args=[leeds.pk]))
    assert url(leeds) not in page.content.decode()


@pytest.mark.parametrize("pk", ["999999", "abc", "1%20OR%201=1"])
def test_a_malformed_or_missing_group_is_not_found(client, leeds, pk):
    login(client, "hublead")
    assert client.get(f"/admin/pd/work-groups/message/{pk}/").status_code == 404
    assert client.post(f"/admin/pd/work-groups/message/{pk}/", {"subject": "x"}).status_code == 404


def test_a_specialist_cannot_message_another_group_by_its_id(client, bradford, mailoutbox):
    login(client, "specialist")
    assert send(client, bradford).status_code == 404
    assert not mailoutbox


def test_the_lead_sees_the_way_to_message_on_the_groups_page(client, leeds):
    page = login(client, "specialist").get(reverse("pd_workgroups:inspect", args=[leeds.pk]))
    assert url(leeds) in page.content.decode()


# --- Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject, body, error",
    [
        ("", "The text I typed", "Enter a subject."),
        ("   ", "The text I typed", "Enter a subject."),
        ("Kept subject", "", "Enter the message."),
        ("Kept subject", "x" * (BODY_MAX + 1), f"at most {BODY_MAX} characters"),
        ("y" * 201, "The text I typed", "at most 200"),
    ],
)
def test_bad_input_keeps_what_was_typed(client, leeds, mailoutbox, subject, body, error):
    login(client, "specialist")
    response = send(client, leeds, subject=subject, body=body)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert "The message was not sent" in page
    form = response.context["form"]
    assert form.data["subject"] == subject and form.data["body"] == body
    if body and len(body) < 100:
        assert body in page
    assert not GroupMessage.objects.exists() and not mailoutbox


def test_no_one_chosen_keeps_the_text(client, leeds, mailoutbox):
    login(client, "specialist")
    response = client.post(url(leeds), {"subject": "Hello", "body": "Typed"})
    assert response.status_code == 200
    assert "Choose who to send it to." in response.content.decode()
    assert "Typed" in response.content.decode()
    assert not mailoutbox


def test_nobody_with_an_address_sends_nothing(client, leeds, mailoutbox):
    Participant.objects.filter(enrolment__work_group=leeds, role="head").update(email="")
    login(client, "specialist")
    response = send(client, leeds, audiences=["heads"])
    assert response.status_code == 200
    assert "Nobody among the people chosen has an email address" in response.content.decode()
    assert not GroupMessage.objects.exists() and not mailoutbox


def test_a_line_break_in_the_subject_cannot_add_a_header(
    client, leeds, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, "specialist")
    with django_capture_on_commit_callbacks(execute=True):
        send(client, leeds, subject="Hello\r\nBcc: everyone@example.com")
    assert mailoutbox and all(
        email.subject == "Hello Bcc: everyone@example.com" for email in mailoutbox
    )
    assert all(not email.bcc for email in mailoutbox)


# --- Reading what was sent ----------------------------------------------------------------


@pytest.fixture
def sent(client, leeds, django_capture_on_commit_callbacks):
    login(client, "specialist")
    with django_capture_on_commit_callbacks(execute=True):
        send(client, leeds, subject="Research lesson", body="See you at 1pm.")
    client.logout()
    return GroupMessage.objects.get()


def inspect(message):
    return reverse("pd_group_messages:inspect", args=[message.pk])


def test_the_groups_page_lists_what_was_sent(client, leeds, sent):
    page = login(client, "specialist").get(reverse("pd_workgroups:inspect", args=[leeds.pk]))
    text = page.content.decode()
    assert "Messages to the group" in text
    assert inspect(sent) in text and "Research lesson" in text
    assert f"<td>{sent.recipient_count}</td>" in text


@pytest.mark.parametrize("username", ["specialist", "hublead"])
def test_those_who_run_the_group_read_the_message_and_whom_it_reached(client, sent, username):
    response = login(client, username).get(inspect(sent))
    assert response.status_code == 200
    assert "See you at 1pm." in response.content.decode()
    assert len(response.context["recipients"]) == sent.recipient_count


def test_a_school_leader_reads_what_their_schools_people_received(client, sent):
    head = hubdata.user("head")
    response = login(client, "head").get(inspect(sent))
    assert response.status_code == 200
    assert "See you at 1pm." in response.content.decode()
    # Of whom it reached, only their own school's people are named to them.
    schools = {p.enrolment.school for p in response.context["recipients"]}
    assert schools and schools <= set(head.led_schools.all())
    listing = client.get(reverse("pd_group_messages:index")).content.decode()
    assert "Research lesson" in listing


def test_a_school_leader_whose_people_it_did_not_reach_cannot_read_it(client, leeds, sent):
    head = hubdata.user("head")
    sent.recipients.remove(*sent.recipients.filter(enrolment__school__in=head.led_schools.all()))
    assert login(client, "head").get(inspect(sent)).status_code == 404
    assert "Research lesson" not in client.get(reverse("pd_group_messages:index")).content.decode()


@pytest.mark.parametrize("username", ["specialist2", "head2", "editor"])
def test_others_cannot_read_it(client, sent, username):
    login(client, username)
    assert refused(client.get(inspect(sent)))
    listing = client.get(reverse("pd_group_messages:index"))
    assert refused(listing) or "Research lesson" not in listing.content.decode()


@pytest.mark.parametrize("view", ["edit", "delete"])
def test_nobody_edits_or_deletes_a_message(client, sent, view):
    login(client, "hublead")
    assert refused(
        client.post(reverse(f"pd_group_messages:{view}", args=[sent.pk]), {"subject": "x"})
    )
    assert GroupMessage.objects.get().subject == "Research lesson"
    assert refused(client.post(reverse("pd_group_messages:add"), {"subject": "x", "body": "y"}))
    assert GroupMessage.objects.count() == 1


# --- Retention and subject access ---------------------------------------------------------


def test_the_purge_clears_old_messages_and_keeps_recent_ones(client, leeds, sent):
    old = GroupMessage.objects.create(
        work_group=leeds,
        sent_by=hubdata.user("specialist"),
        sent_at=timezone.now() - timedelta(days=365 * 4),
        subject="Old news",
        body="Names and all",
        recipient_count=3,
    )
    old.recipients.set(Participant.objects.filter(enrolment__work_group=leeds)[:3])
    assert purge().counts()["group_messages"] == 1
    purge(apply=True)
    old.refresh_from_db()
    assert (old.subject, old.body, old.recipients.count()) == (MARKER, MARKER, 0)
    assert old.anonymised_at is not None and old.recipient_count == 3
    sent.refresh_from_db()
    assert sent.subject == "Research lesson" and sent.anonymised_at is None
    assert sent.recipients.count() == sent.recipient_count
    assert purge().counts()["group_messages"] == 0
    # The page says what happened instead of showing the marker as if it were the text.
    page = login(client, "specialist").get(inspect(old)).content.decode()
    assert "were removed on" in page


def test_a_purged_or_deleted_participant_leaves_the_recipients(leeds, sent):
    first, second = sent.recipients.order_by("pk")[:2]
    from workflows.privacy.purge import anonymise_participants

    anonymise_participants([first.pk], timezone.now())
    second.delete()
    left = set(sent.recipients.values_list("pk", flat=True))
    assert first.pk not in left and second.pk not in left


def test_the_subject_access_export_names_messages_received_and_sent(leeds, sent):
    person = sent.recipients.order_by("pk").first()
    received = {s.name: s for s in collect(person.email).sections}["group_messages_received"]
    assert [(row["subject"], row["work_group"]) for row in received.rows] == [
        ("Research lesson", leeds.code)
    ]
    assert received.rows[0]["sent"] is not None
    specialist = hubdata.user("specialist")
    sent_rows = {s.name: s for s in collect(specialist.email).sections}["group_messages_sent"].rows
    assert [(row["subject"], row["message"], row["people_reached"]) for row in sent_rows] == [
        ("Research lesson", "See you at 1pm.", sent.recipient_count)
    ]
    # Another recipient's export does not hold who else received it.
    assert "recipients" not in received.columns


# --- Cost ---------------------------------------------------------------------------------

#: The send form: the session, the user, their permissions and profile, the scope check,
#: the group, its people (one query, whatever their number), the admin's menu.
QUERIES_FORM = 13
#: The Work Group's page, its list of messages in one query of them.
QUERIES_INSPECT = 21


def bulk_group(n):
    """A group of ``n`` schools led by ``specialist``, each with one participant with an email."""
    group = hubdata.group(
        f"MSG-{n}", lead_specialist=hubdata.user("specialist"), allow_over_capacity=True
    )
    schools = [hubdata.school(f"Bulk School {n}-{i}") for i in range(n)]
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(school=s, work_group=group, stage=group.stage, academic_year=group.academic_year)
        for s in schools
    )
    Participant.objects.bulk_create(
        Participant(enrolment=e, name=f"Teacher {e.pk}", email=f"t{e.pk}@bulk.example")
        for e in enrolments
    )
    return group


@pytest.mark.parametrize("n", [5, 50])
def test_the_form_costs_the_same_for_5_and_50_people(client, demo, django_assert_num_queries, n):
    group = bulk_group(n)
    login(client, "specialist")
    client.get(url(group))  # the session and user, as on any later page
    with django_assert_num_queries(QUERIES_FORM):
        response = client.get(url(group))
    assert f"it reaches <strong>{n} people</strong>" in response.content.decode()


@pytest.mark.parametrize("n", [1, 10])
def test_the_groups_messages_cost_one_query_whatever_their_number(
    client, leeds, django_assert_num_queries, n
):
    specialist = hubdata.user("specialist")
    GroupMessage.objects.bulk_create(
        GroupMessage(
            work_group=leeds, sent_by=specialist, subject=f"Note {i}", body="b", recipient_count=2
        )
        for i in range(n)
    )
    login(client, "specialist")
    page = reverse("pd_workgroups:inspect", args=[leeds.pk])
    client.get(page)
    with django_assert_num_queries(QUERIES_INSPECT):
        response = client.get(page)
    assert len(response.context["group_messages"]) == n
