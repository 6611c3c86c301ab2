"""Two answers to one offer at the same moment: one enrolment, one pair of emails (#15, part 2).

Real concurrency needs real commits and row locks, so this module is transactional
and runs on PostgreSQL only (SQLite has no ``SELECT ... FOR UPDATE``; it serialises
writers instead, which the sequential double-post tests cover).
"""

import threading
import time

from django.core import mail
from django.db import connection, connections

import pytest

from tests.workflows import hubdata
from workflows.applications import decisions
from workflows.applications.decisions import decide
from workflows.applications.offers import OfferLinkRefused, answer_offer, offer_token
from workflows.models import Application, Enrolment, HubLogEntry

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_simultaneous_accepts_enrol_once_and_email_once(demo, monkeypatch):
    group = hubdata.group("DEV-26-RACE", name="Race group", capacity=2)
    application = hubdata.application(hubdata.school("Twin Clicks Primary"))
    decide(application.pk, "offer", hubdata.user("hublead"), work_group=group)
    application.refresh_from_db()
    token = offer_token(application)
    mail.outbox.clear()

    real_enrol = decisions._enrol

    def slow_enrol(*args, **kwargs):
        time.sleep(0.5)  # hold the row lock while the other answer arrives
        return real_enrol(*args, **kwargs)

    monkeypatch.setattr(decisions, "_enrol", slow_enrol)
    start = threading.Barrier(2)
    outcomes = []

    def answer():
        start.wait()
        try:
            answer_offer(token, "accept")
            outcomes.append("accepted")
        except OfferLinkRefused as refusal:
            outcomes.append(refusal.problem.title)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["This offer has already been accepted", "accepted"]
    assert Enrolment.objects.filter(application=application).count() == 1
    assert Application.objects.get(pk=application.pk).status == Application.Status.ACCEPTED
    assert HubLogEntry.objects.filter(action="workflows.accept").count() == 1
    assert len(mail.outbox) == 2  # the school's welcome and the hub's note, once
