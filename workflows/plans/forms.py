"""The plan's edit form, with every choice list scoped to what the user may see.

Without this, the school, enrolment, visit and user drop-downs would list every
school and person of the hub to a head teacher editing their own plan.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from wagtail.admin.forms import WagtailAdminModelForm

from workflows.accounts import roles
from workflows.permissions import visible

OWNER_MESSAGE = (
    "Choose a leader of this plan's school or its specialist: "
    "that person does not lead this school."
)


class PrioritySelect(forms.Select):
    """Choose an action's priority by its title; the number stays what is stored.

    ``plan_editor.js`` rebuilds the options from the Priorities panel as the
    editor types, and keeps each action on its priority when priorities are
    moved or removed.
    """

    class Media:
        js = ["workflows/js/plan_editor.js"]

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-plan-priority-select": "", **(attrs or {})}, choices)


def _is_id(value) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes "²", which ``int`` refuses."""
    return str(value).isascii() and str(value).isdigit()


class ActionPlanForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None:
            return
        from workflows.models import Enrolment, School, Visit, WorkGroup
        from workflows.schools.choosers import school_chooser_widget

        schools = visible(user, School.objects.all())
        self.fields["school"].queryset = schools
        # One school among thousands: the scoped, searchable chooser, not a select
        # (at 5,000 schools the select made the edit view take seconds).
        self.fields["school"].widget = school_chooser_widget(schools)
        enrolments = visible(user, Enrolment.objects.select_related("school", "work_group"))
        visits = visible(user, Visit.objects.select_related("school"))
        school_id = self.plan_school_id(schools)
        if school_id is not None:
            # ``clean`` accepts only the plan's school's own: list only those.
            enrolments = enrolments.filter(school_id=school_id)
            visits = visits.filter(school_id=school_id)
        self.fields["enrolment"].queryset = enrolments
        self.fields["visit"].queryset = visits
        groups = visible(user, WorkGroup.objects.all())
        User = get_user_model()
        self.fields["specialist"].queryset = (
            User.objects.filter(groups__name=roles.SPECIALISTS)
            .filter(
                Q(pk=user.pk) | Q(led_work_groups__in=groups) | Q(pk=self.instance.specialist_id)
            )
            .distinct()
        )
        owners = self.owner_choices(school_id, self.plan_specialist_id())
        self.offer_programme_focus_areas(self.plan_programme_id(enrolments))
        priority_choices = self.priority_choices()
        actions = self.formsets.get("actions")
        if actions is not None:
            base = actions.form

            class ScopedActionForm(base):
                def __init__(self, *args, **kwargs):
                    super().__init__(*args, **kwargs)
                    field = self.fields["owner_user"]
                    field.queryset = owners
                    field.error_messages["invalid_choice"] = OWNER_MESSAGE
                    number = self.fields["priority_number"]
                    number.label = "Priority"
                    number.help_text = "The priority this action serves."
                    number.widget = PrioritySelect(choices=priority_choices)

            actions.form = ScopedActionForm

    def plan_programme_id(self, enrolments):
        """The programme of the plan's Work Group: of the enrolment chosen in this form, else the saved one."""
        chosen = self.data.get(self.add_prefix("enrolment")) if self.is_bound else None
        if chosen and _is_id(chosen):
            stage = enrolments.filter(pk=chosen).values_list("stage_id", flat=True).first()
            if stage is not None:
                return stage
        return self.instance.enrolment.stage_id if self.instance.enrolment_id else None

    def offer_programme_focus_areas(self, programme_id):
        """Offer a priority the focus areas of the plan's programme, and those it already has."""
        from workflows.models import FocusArea

        priorities = self.formsets.get("priorities")
        if priorities is None:
            return
        chosen = (
            [
                area.pk
                for priority in self.instance.priorities.all()
                for area in priority.focus_areas.all()
            ]
            if self.instance.pk
            else []
        )
        offered = FocusArea.objects.filter(
            Q(pk__in=FocusArea.objects.offered_for(programme_id).values("pk")) | Q(pk__in=chosen)
        )
        base = priorities.form

        class ProgrammePriorityForm(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                field = self.fields["focus_areas"]
                field.queryset = offered
                field.error_messages["invalid_choice"] = (
                    "Choose focus areas of this plan's programme: %(value)s is not one of them."
                )

        priorities.form = ProgrammePriorityForm

    def priority_choices(self):
        """The plan's priorities as "1. <title>", in the order they are numbered.

        From the posted forms when the form is bound (so a priority added in this
        edit is offered on the re-rendered page), else from the plan being edited.
        The editor's script keeps the lists in step as priorities are added,
        retitled, moved or removed, without a round trip.
        """
        priorities = self.formsets.get("priorities")
        if priorities is None:
            return []
        if self.is_bound:
            titles = []
            for form in priorities.forms:
                prefix = form.prefix
                if self.data.get(f"{prefix}-DELETE"):
                    continue
                order = self.data.get(f"{prefix}-ORDER", "")
                position = int(order) if _is_id(order) else len(titles) + 1000
                titles.append((position, self.data.get(f"{prefix}-title", "")))
            titles = [title for _, title in sorted(titles, key=lambda pair: pair[0])]
        else:
            titles = [priority.title for priority in self.instance.priorities.all()]
        titles = titles or [""]
        return [
            (number, f"{number}. {title}" if title else f"Priority {number}")
            for number, title in enumerate(titles, start=1)
        ]

    def plan_school_id(self, schools):
        """The plan's school: the one chosen in this form if valid, else the saved one."""
        chosen = self.data.get(self.add_prefix("school")) if self.is_bound else None
        if chosen and _is_id(chosen) and schools.filter(pk=chosen).exists():
            return int(chosen)
        return self.instance.school_id

    def plan_specialist_id(self):
        """The plan's specialist: the one posted if it is a valid choice, else the saved one.

        Only a choice the specialist field itself offers counts: an id posted for
        anyone else must not put their name among the owners on the re-rendered form.
        """
        chosen = self.data.get(self.add_prefix("specialist")) if self.is_bound else None
        if (
            chosen
            and _is_id(chosen)
            and self.fields["specialist"].queryset.filter(pk=chosen).exists()
        ):
            return int(chosen)
        return self.instance.specialist_id

    @staticmethod
    def owner_choices(school_id, specialist_id):
        """Who may lead an action: the plan's school's leaders and people, its specialist.

        Never another school's leaders, even ones the editing specialist can see.
        """
        User = get_user_model()
        if school_id is None:
            return User.objects.filter(pk=specialist_id) if specialist_id else User.objects.none()
        return User.objects.filter(
            Q(led_schools=school_id)
            | Q(participations__enrolment__school=school_id)
            | Q(pk=specialist_id)
        ).distinct()

    def clean(self):
        cleaned = super().clean()
        priorities = self.formsets.get("priorities")
        actions = self.formsets.get("actions")
        if priorities is None or actions is None:
            return cleaned
        if not (priorities.is_valid() and actions.is_valid()):
            return cleaned
        kept = [
            form
            for form in priorities.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        for form in actions.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data:
                continue
            number = data.get("priority_number")
            if number and number > len(kept):
                form.add_error(
                    "priority_number",
                    ValidationError(
                        f"There is no priority {number}: the plan has {len(kept)}.",
                        code="no_such_priority",
                    ),
                )
        return cleaned
