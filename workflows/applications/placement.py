"""The placement board: this year's applications for a stage beside its groups.

For each group, its places left, area and the phase mix of its schools; for each
waiting application, one small form that offers a place in the group chosen,
the group in the school's own local authority chosen already. The page costs the
same few queries however many applications and groups there are (groups carry
their places as a subquery annotation, phase mixes come from one aggregate, and
each school's other applications and enrolments come from one query each).

When no group of the stage and year has room, each application says so and links
to the Work Group add form with that stage and year filled in
(:class:`WorkGroupPrefillMixin`).
"""

import re
from collections import defaultdict

from django import forms
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from programmes.models import ProgrammePage
from workflows.applications.decisions import create_group_url, has_room, no_group_reason
from workflows.models import Application, Enrolment, WorkGroup
from workflows.permissions import is_hub_lead, visible
from workflows.shared.fields import academic_year_of
from workflows.shared.scoping import HubLeadPageMixin

WAITING = (
    Application.Status.SUBMITTED,
    Application.Status.UNDER_REVIEW,
    Application.Status.WAITLISTED,
    Application.Status.LAPSED,  # an offer nobody answered comes back to be placed again
)


YEAR = re.compile(r"^\d{4}/\d{2}$")


class WorkGroupPrefillMixin:
    """Fill the Work Group add form's programme and year from ``?stage=&academic_year=``.

    Only for a hub lead, the one who may set them (anyone else sees them disabled,
    and a disabled field takes its initial value), and only well-formed values:
    a stage the form does not offer is simply left unselected.
    """

    def get_initial(self):
        initial = super().get_initial()
        if self.request.method != "GET" or not is_hub_lead(self.request.user):
            return initial
        stage = self.request.GET.get("stage", "")
        year = self.request.GET.get("academic_year", "")
        if stage.isdigit():
            initial["stage"] = int(stage)
        if YEAR.match(year):
            initial["academic_year"] = year
        return initial


def can_create_groups(user) -> bool:
    """Whether ``user`` may add Work Groups (and so be offered the link to do it)."""
    return is_hub_lead(user) and user.has_perm("workflows.add_workgroup")


def school_records(user, applications):
    """Each school's other applications and its enrolments, any year, as ``user`` sees them.

    Two queries whatever the number of ``applications``; returns
    ``{school_id: {"applications": [...], "enrolments": [...]}}``, applications
    themselves left out of their own school's list.
    """
    applications = list(applications)
    school_ids = {a.school_id for a in applications if a.school_id}
    records = {pk: {"applications": [], "enrolments": []} for pk in school_ids}
    if not school_ids:
        return records
    for other in visible(
        user,
        Application.objects.filter(school_id__in=school_ids)
        .select_related("programme", "offered_group")
        .order_by("-academic_year", "-created_at"),
    ):
        records[other.school_id]["applications"].append(other)
    for enrolment in visible(
        user,
        Enrolment.objects.filter(school_id__in=school_ids)
        .select_related("work_group", "stage")
        .order_by("-academic_year", "work_group__code"),
    ):
        records[enrolment.school_id]["enrolments"].append(enrolment)
    return records


def others_for(records, application):
    """The school's applications other than ``application``, and its enrolments."""
    mine = records.get(application.school_id, {"applications": [], "enrolments": []})
    return {
        "applications": [a for a in mine["applications"] if a.pk != application.pk],
        "enrolments": mine["enrolments"],
    }


class BoardFilterForm(forms.Form):
    stage = forms.ModelChoiceField(
        queryset=ProgrammePage.objects.order_by("stage_order", "title"),
        empty_label=None,
        label="Programme",
    )
    year = forms.RegexField(regex=r"^\d{4}/\d{2}$", label="Academic year", max_length=7)


class PlacementBoardView(HubLeadPageMixin, TemplateView):
    template_name = "workflows/applications/placement_board.html"
    page_title = "Placement board"
    header_icon = "group"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # ``.all()``: a fresh query each request; the class-level queryset would
        # cache the first request's pages for the life of the process.
        stages = list(BoardFilterForm.base_fields["stage"].queryset.all())
        year = academic_year_of(timezone.localdate())
        data = {"year": year} | self.request.GET.dict()
        if "stage" not in data and stages:
            # Open on the first stage that has groups this year, the board's usual use.
            busy = set(
                WorkGroup.objects.filter(academic_year=year).values_list("stage_id", flat=True)
            )
            data["stage"] = next((s.pk for s in stages if s.pk in busy), stages[0].pk)
        filter_form = BoardFilterForm(data)
        filter_form.fields["stage"].queryset = ProgrammePage.objects.filter(
            pk__in=[s.pk for s in stages]
        )
        context["filter_form"] = filter_form
        if not stages or not filter_form.is_valid():
            context["groups"] = context["rows"] = []
            return context
        stage = filter_form.cleaned_data["stage"]
        year = filter_form.cleaned_data["year"]

        groups = list(
            WorkGroup.objects.with_places()
            .select_related("stage", "lead_specialist")
            .filter(stage=stage, academic_year=year)
            .order_by("area", "code")
        )
        phases = defaultdict(list)
        for row in (
            Enrolment.objects.filter(work_group__in=[g.pk for g in groups], left_on__isnull=True)
            .values("work_group_id", "school__phase")
            .annotate(n=Count("pk"))
            .order_by("work_group_id", "school__phase")
        ):
            phases[row["work_group_id"]].append((row["school__phase"] or "Unknown", row["n"]))
        for group in groups:
            group.phase_mix = phases.get(group.pk, [])

        applications = (
            Application.objects.filter(programme=stage, academic_year=year, status__in=WAITING)
            .select_related("school")
            .order_by("created_at")
        )
        applications = list(applications)
        records = school_records(self.request.user, applications)
        choices = [(g.pk, g.offer_label) for g in groups]
        no_group = no_group_reason(stage.title, year, groups)
        rows = []
        for application in applications:
            area = application.school.local_authority if application.school else ""
            preferred = next((g for g in groups if g.pk == application.preferred_group_id), None)
            suggested = (
                preferred
                if preferred and has_room(preferred)
                else next(
                    (g for g in groups if area and g.area == area and has_room(g)),
                    next((g for g in groups if has_room(g)), None),
                )
            )
            rows.append(
                {
                    "application": application,
                    "choices": choices,
                    "suggested": suggested.pk if suggested else None,
                    "preferred": preferred,
                    "action_url": reverse("pd_applications:inspect", args=[application.pk]),
                    "others": others_for(records, application),
                }
            )
        context.update(
            stage=stage,
            year=year,
            groups=groups,
            rows=rows,
            board_url=self.request.get_full_path(),
            no_group=no_group,
            create_group_url=(
                create_group_url(stage.pk, year) if can_create_groups(self.request.user) else ""
            ),
        )
        return context
