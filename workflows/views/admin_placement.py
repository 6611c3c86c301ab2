"""The placement board: this year's applications for a stage beside its groups.

For each group, its places left, area and the phase mix of its schools; for each
waiting application, one small form that offers a place in the group chosen,
the group in the school's own local authority chosen already. The page costs the
same few queries however many applications and groups there are (groups carry
their places as a subquery annotation, phase mixes come from one aggregate).
"""

from collections import defaultdict

from django import forms
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from programmes.models import ProgrammePage
from workflows.admin.scoping import HubLeadPageMixin
from workflows.models import Application, Enrolment, WorkGroup
from workflows.models.common import academic_year_of

WAITING = (
    Application.Status.SUBMITTED,
    Application.Status.UNDER_REVIEW,
    Application.Status.WAITLISTED,
)


class BoardFilterForm(forms.Form):
    stage = forms.ModelChoiceField(
        queryset=ProgrammePage.objects.order_by("stage_order", "title"),
        empty_label=None,
        label="Programme",
    )
    year = forms.RegexField(regex=r"^\d{4}/\d{2}$", label="Academic year", max_length=7)


class PlacementBoardView(HubLeadPageMixin, TemplateView):
    template_name = "workflows/admin/placement_board.html"
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
            .annotate(earlier_enrolments=Count("school__enrolments"))
            .order_by("created_at")
        )
        choices = [(g.pk, g.offer_label) for g in groups]
        rows = []
        for application in applications:
            area = application.school.local_authority if application.school else ""
            suggested = next(
                (g for g in groups if area and g.area == area and g.places_left > 0),
                next((g for g in groups if g.places_left > 0), None),
            )
            rows.append(
                {
                    "application": application,
                    "choices": choices,
                    "suggested": suggested.pk if suggested else None,
                    "action_url": reverse("pd_applications:inspect", args=[application.pk]),
                }
            )
        context.update(
            stage=stage,
            year=year,
            groups=groups,
            rows=rows,
            board_url=self.request.get_full_path(),
        )
        return context
