"""A hub's year in a real browser, as the school and the hub live it (#15).

A head finds a Work Group near the school and applies to join it; the hub lead
sees the application on the dashboard and offers it a place from the queue with
the bulk action; the head accepts by the link in the offer email, with no
account; the group's specialist takes the register of the first meeting and
downloads its calendar invitation, which a real iCalendar parser reads.
"""

import re
from datetime import timedelta
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from icalendar import Calendar

from tests.dbutils import clear_caches
from tests.workflows import hubdata
from workflows.models import Application, Attendance, Enrolment, Meeting, WorkGroup

CALDER_BRIDGE = 990301  # a demo school in Halifax (HX1 2AB), with no place this year


def test_a_school_goes_from_the_finder_to_the_register(page, live_server, login, demo, mailoutbox):
    clear_caches()  # the public form's rate limit
    base = live_server.url
    hubdata.open_for_applications(year="2027/28")
    group = hubdata.group(
        "DEV-27-CAL",
        year="2027/28",
        name="Calderdale Development Work Group",
        area="Calderdale",
        meeting_town="Halifax",
        status=WorkGroup.Status.RECRUITING,
        lead_specialist=hubdata.user("specialist"),
    )

    # --- The head finds the group from the home page and applies to join it -------------
    page.goto(base + "/")
    page.get_by_role("link", name="Find a Work Group").first.click()
    page.get_by_label("Postcode or town").fill("HX1 2AB")
    page.get_by_role("button", name="Search").click()
    row = page.locator("tbody tr", has_text="Calderdale Development Work Group")
    assert "less than a mile" in row.inner_text()
    row.get_by_role("link", name=re.compile("Apply to join this group")).click()

    assert page.locator("#id_preferred_group").input_value() == str(group.pk)
    school = page.locator("#id_school")
    school.press_sequentially("calder br", delay=40)
    page.get_by_role("option", name="Calder Bridge Primary").click()
    page.fill("#id_head_name", "Ian Walsh")
    page.fill("#id_head_email", "head@calderbridge.example")
    for number, (name, role) in enumerate(
        (("Nadia Shah", "Maths lead"), ("Owen Price", "Year 2 teacher")), start=1
    ):
        page.fill(f"#id_teacher_{number}_name", name)
        page.fill(f"#id_teacher_{number}_email", f"{name.split()[0].lower()}@calderbridge.example")
        page.fill(f"#id_teacher_{number}_role", role)
    page.check("#id_teacher_1_is_maths_lead")
    page.fill("#id_reason", "Our pupils should understand maths deeply, not just recall it.")
    page.check("#id_consent")
    page.get_by_role("button", name="Send application").click()
    page.get_by_role("heading", name="Application received").wait_for()
    application = Application.objects.get(school__urn=CALDER_BRIDGE, academic_year="2027/28")
    assert application.preferred_group == group

    # --- The hub lead sees it on the dashboard and offers a place from the queue ---------
    page.context.clear_cookies()
    login("hublead")
    panel = page.locator("section", has=page.get_by_role("heading", name="Applications"))
    new = panel.locator("section", has=page.get_by_role("heading", name=re.compile("^New")))
    assert "Calder Bridge Primary" in new.inner_text()

    page.goto(base + reverse("pd_applications:index") + "?q=Calder+Bridge")
    page.locator(f"input[data-bulk-action-checkbox][data-object-id='{application.pk}']").check()
    page.get_by_role("link", name="Offer the chosen schools a place").click()
    page.get_by_label("Work Group").select_option(str(group.pk))
    page.get_by_role("button", name="Offer a place").click()
    assert "1 offered a place in DEV-27-CAL" in page.locator(".messages").inner_text()
    application.refresh_from_db()
    assert application.status == Application.Status.OFFERED

    # --- The head accepts by the emailed link, signed out ---------------------------------
    (offer_email,) = [
        m for m in mailoutbox if "head@calderbridge.example" in m.to and "/offers/" in m.body
    ]
    link = re.search(r"https?://\S+/offers/\S+/", offer_email.body).group(0)
    page.context.clear_cookies()
    page.goto(base + link[link.index("/offers/") :])
    assert "Calderdale Development Work Group" in page.locator("[data-offer]").inner_text()
    page.get_by_role("button", name="Accept the place").click()
    page.get_by_role("heading", name=re.compile("accepted", re.I)).wait_for()
    enrolment = Enrolment.objects.get(school__urn=CALDER_BRIDGE, work_group=group)
    assert enrolment.participants.count() == 3  # the head and the two teachers

    # --- The specialist takes the register of the first meeting, held two days ago ---------------------------
    starts = timezone.now().replace(hour=13, minute=30, second=0, microsecond=0) - timedelta(days=2)
    meeting = Meeting.objects.create(
        work_group=group, starts_at=starts, host_school=enrolment.school, agenda="Planning."
    )
    login("specialist")
    page.goto(base + reverse("pd_meetings:register", args=[meeting.pk]))
    for person in enrolment.participants.all():
        choice = "Apologies" if person.name == "Owen Price" else "Attended"
        page.locator("tr", has_text=person.name).get_by_label(choice).check()
    page.get_by_role("button", name="Save the register").click()
    page.locator(".messages").wait_for()
    marked = dict(
        Attendance.objects.filter(meeting=meeting).values_list("participant__name", "status")
    )
    assert marked == {"Ian Walsh": "attended", "Nadia Shah": "attended", "Owen Price": "apologies"}

    # --- ... and downloads the meeting's calendar invitation ------------------------------
    page.goto(base + reverse("pd_meetings:edit", args=[meeting.pk]))
    invitation = page.locator("a", has_text="Download invitation")
    page.get_by_role("navigation", name="Actions", exact=True).get_by_role("button").click()
    with page.expect_download() as download:
        invitation.click()
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert event["UID"].startswith(f"meeting-{meeting.pk}@")
    assert event.decoded("DTSTART") == starts
    assert "DEV-27-CAL" in str(event["SUMMARY"])
