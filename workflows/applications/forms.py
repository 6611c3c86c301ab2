"""The public application form: a school applies for a programme in an academic year.

The school is found by one box (name, URN or postcode). With JavaScript the box is
a combobox that fills a hidden URN; without it the server resolves what was typed:
a six-digit URN, or the exact name of one open school. Anything else is taken as a
school we do not list yet, and then its postcode is required too.

Every message says what to do, GOV.UK style, and names the field it belongs to;
the template shows them beside the fields and in a summary at the top.

The form is public, so it must not tell a visitor anything about a school they name
by URN. Whether that school already applied, holds a place, is enrolled or has an
offer is checked only once everything else in the application is right, and every
such reason gets one neutral message (:attr:`ApplicationForm.refusal_message`).
"""

import re

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.html import format_html

from wagtail.log_actions import log

from workflows.models import Application, ApplicationParticipant, Enrolment, School, WorkGroup

URN_IN_TEXT_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
TRN_RE = re.compile(r"^\d{7}$")
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
TEACHERS = (1, 2)
HONEYPOT_FIELD = "website"


def open_schools() -> QuerySet:
    """Schools a visitor may apply for: still listed by GIAS and not closed."""
    return School.objects.filter(missing_from_gias=False).exclude(status__istartswith="closed")


def normalise_postcode(value: str) -> str:
    """``ls62ab`` -> ``LS6 2AB``: upper case, one space before the last three characters."""
    compact = "".join(value.upper().split())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact


def hub_email_link() -> str:
    """The hub's address as a mailto link, for every "contact the hub" on public pages."""
    email = settings.HUB_NOTIFICATIONS_EMAIL
    return format_html('<a href="mailto:{}">{}</a>', email, email)


#: Groups a school may ask to join (with a place left): not completed ones.
TAKING_SCHOOLS = (WorkGroup.Status.RECRUITING, WorkGroup.Status.PLANNING, WorkGroup.Status.RUNNING)


def groups_taking_schools(programme, academic_year: str) -> list[WorkGroup]:
    """The programme's groups in ``academic_year`` with a place left, in one query."""
    return list(
        WorkGroup.objects.with_places()
        .filter(stage=programme, academic_year=academic_year, status__in=TAKING_SCHOOLS)
        .annotate(places=Coalesce("capacity", Value(programme.group_size_max)))
        .filter(places_taken__lt=F("places"))
        .order_by("area", "meeting_town", "name")
        .only("pk", "code", "name", "area", "meeting_town")
    )


class DuplicateApplication(Exception):
    """Another request saved an application for the school since this form was checked."""


class ApplicationForm(forms.Form):
    """A school's application; :meth:`save` writes it and its two teachers at once."""

    school = forms.CharField(
        label="School",
        max_length=255,
        help_text=(
            "Type the school's name, URN or postcode and choose it from the list. "
            "If your school is not listed, type its full name."
        ),
        error_messages={"required": "Enter your school's name, URN or postcode"},
    )
    school_urn = forms.CharField(required=False, widget=forms.HiddenInput)
    school_postcode = forms.CharField(
        label="School postcode (only if your school is not in our list)",
        required=False,
        max_length=10,
        help_text="For example, LS6 2AB.",
    )
    preferred_group = forms.ChoiceField(
        label="Work Group you would like to join (optional)",
        required=False,
        help_text=(
            "If you found a group near you in our Work Group finder, choose it. "
            "The hub places every school and will try to place you in it."
        ),
    )
    head_name = forms.CharField(
        label="Head teacher's full name",
        max_length=150,
        error_messages={"required": "Enter the head teacher's full name"},
    )
    head_email = forms.EmailField(
        label="Head teacher's email address",
        max_length=254,
        help_text="We send the confirmation and our decision here.",
        error_messages={
            "required": "Enter the head teacher's email address",
            "invalid": "Enter the head teacher's email address in the right format, like name@school.org.uk",
        },
    )
    reason = forms.CharField(
        label="Why does your school want to take part?",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="A few sentences: where your school is with maths and what you hope to gain.",
        error_messages={
            "required": "Tell us why your school wants to take part",
            "max_length": "Keep the reason to 3,000 characters or fewer",
        },
    )
    consent = forms.BooleanField(
        label=(
            "I have read the privacy notice and agree to the hub using these details "
            "to handle this application"
        ),
        error_messages={"required": "Tick the box to agree to the privacy notice"},
    )
    # A field people never see; bots that fill every input fill it too.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, programme, academic_year: str, group: str = "", **kwargs):
        """``group`` (a code or id, from the finder's link) pre-selects a preferred group."""
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.academic_year = academic_year
        self.groups = groups_taking_schools(programme, academic_year)
        self.fields["preferred_group"].choices = [("", "No preference")] + [
            (str(g.pk), f"{g.name}, meets in {g.meeting_town}" if g.meeting_town else g.name)
            for g in self.groups
        ]
        self.fields["preferred_group"].error_messages["invalid_choice"] = (
            f"That Work Group is not taking schools for {programme.title} in {academic_year}: "
            "choose one from the list, or No preference"
        )
        wanted = group.strip().casefold()[:40]
        self.fields["preferred_group"].initial = next(
            (str(g.pk) for g in self.groups if wanted in (g.code.casefold(), str(g.pk))), ""
        )
        self.resolved_school: School | None = None
        #: True when a complete application was refused because of the school's own
        #: history; the view counts it against the rate limit like a saved one.
        self.refused = False
        for n in TEACHERS:
            ordinal = "first" if n == 1 else "second"
            self.fields[f"teacher_{n}_name"] = forms.CharField(
                label="Full name",
                max_length=150,
                error_messages={"required": f"Enter the {ordinal} teacher's full name"},
            )
            self.fields[f"teacher_{n}_email"] = forms.EmailField(
                label="Email address",
                max_length=254,
                error_messages={
                    "required": f"Enter the {ordinal} teacher's email address",
                    "invalid": f"Enter the {ordinal} teacher's email address in the right format, like name@school.org.uk",
                },
            )
            self.fields[f"teacher_{n}_role"] = forms.CharField(
                label="Role in school",
                max_length=100,
                help_text="For example, Year 4 teacher.",
                error_messages={"required": f"Enter the {ordinal} teacher's role in school"},
            )
            self.fields[f"teacher_{n}_trn"] = forms.CharField(
                label="Teacher reference number (TRN), optional",
                required=False,
                max_length=20,
                help_text="7 digits, if you know it.",
            )
            self.fields[f"teacher_{n}_is_maths_lead"] = forms.BooleanField(
                label="This teacher is the school's maths lead", required=False
            )
        # Fields in page order, so the error summary lists them as they appear.
        order = [
            "school",
            "school_urn",
            "school_postcode",
            "preferred_group",
            "head_name",
            "head_email",
        ]
        for n in TEACHERS:
            order += [f"teacher_{n}_{part}" for part in ("name", "email", "role", "trn")]
            order.append(f"teacher_{n}_is_maths_lead")
        self.order_fields([*order, "reason", "consent", HONEYPOT_FIELD])
        for name, field in self.fields.items():
            is_checkbox = isinstance(field.widget, forms.CheckboxInput)
            field.widget.attrs.setdefault(
                "class", "form-checkbox" if is_checkbox else "form-control"
            )
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"
        for name in ("head_email", "teacher_1_email", "teacher_2_email"):
            self.fields[name].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["school"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["head_name"].widget.attrs["autocomplete"] = "name"

    def full_clean(self):
        super().full_clean()
        # Point each invalid input at its message, as screen readers expect.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                described = [f"id_{name}-error"]
                if self.fields[name].help_text:
                    described.insert(0, f"id_{name}-hint")
                widget.attrs["aria-describedby"] = " ".join(described)
                widget.attrs["aria-invalid"] = "true"

    @property
    def is_bot(self) -> bool:
        """Whether the honeypot was filled in: what people never see, only bots fill."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    # Field rules ----------------------------------------------------------------

    def clean_school(self) -> str:
        return " ".join(self.cleaned_data["school"].split())

    def clean_school_postcode(self) -> str:
        value = self.cleaned_data["school_postcode"].strip()
        if not value:
            return ""
        postcode = normalise_postcode(value)
        if not POSTCODE_RE.match(postcode):
            raise forms.ValidationError("Enter a real postcode, like LS6 2AB")
        return postcode

    def clean_preferred_group(self) -> WorkGroup | None:
        """The group chosen, which must be one this form offered (ids are easy to change)."""
        value = self.cleaned_data["preferred_group"]
        if not value:
            return None
        return next(g for g in self.groups if str(g.pk) == value)

    def _clean_trn(self, name: str) -> str:
        value = "".join(self.cleaned_data.get(name, "").split())
        if value and not TRN_RE.match(value):
            raise forms.ValidationError(
                "Enter the TRN as 7 digits, like 1234567, or leave it blank"
            )
        return value

    def clean_teacher_1_trn(self) -> str:
        return self._clean_trn("teacher_1_trn")

    def clean_teacher_2_trn(self) -> str:
        return self._clean_trn("teacher_2_trn")

    def clean(self):
        data = super().clean()
        self._clean_school(data)
        leads = [n for n in TEACHERS if data.get(f"teacher_{n}_is_maths_lead")]
        if len(leads) != 1:
            self.add_error(
                "teacher_1_is_maths_lead",
                "Tick exactly one teacher as the maths lead"
                + (": you ticked both" if len(leads) > 1 else ""),
            )
        first, second = data.get("teacher_1_email"), data.get("teacher_2_email")
        if first and second and first.lower() == second.lower():
            self.add_error("teacher_2_email", "Enter a different email address for each teacher")
        if not self.errors:
            self._refuse_school_that_may_not_apply(data)
        return data

    def _clean_school(self, data) -> None:
        """Find the school that was chosen or typed; whether it may apply is asked later."""
        text = data.get("school")
        if not text:
            return
        school = self._resolve_school(text, data.get("school_urn", ""))
        if "school" in self.errors:
            return
        if school is None:
            if len(text) < 3:
                self.add_error("school", "Enter your school's full name")
                return
            if "school_postcode" in self.errors:
                return
            if not data.get("school_postcode"):
                self.add_error(
                    "school_postcode",
                    f"Enter the school's postcode: we could not find \u201c{text}\u201d in our list, "
                    "so we need it to identify your school",
                )
                return
        self.resolved_school = school

    def _refuse_school_that_may_not_apply(self, data) -> None:
        """Refuse a school that already applied, or has a place or an offer in a once-only programme.

        Asked last, and only of an otherwise complete application: a half-filled form
        naming any URN gets the same messages whatever that school's history, so the
        form cannot be used to look schools up. Every reason gets the same words, and
        the view counts the refusal against the address's rate limit.
        """
        school = self.resolved_school
        if self._already_applied(school, data["school"], data.get("school_postcode", "")) or (
            school is not None and self._done_once_already(school)
        ):
            self._refuse()

    def _refuse(self) -> None:
        self.refused = True
        self.add_error("school", self.refusal_message)

    def _resolve_school(self, text: str, hidden_urn: str) -> School | None:
        schools = open_schools()
        hidden_urn = hidden_urn.strip()
        # ASCII and six digits: str.isdigit() also takes "²" (which int() refuses) and
        # numbers of any length.
        if len(hidden_urn) == 6 and hidden_urn.isascii() and hidden_urn.isdigit():
            school = schools.filter(urn=int(hidden_urn)).first()
            if school is not None:
                return school
        match = URN_IN_TEXT_RE.search(text)
        if match:
            school = schools.filter(urn=int(match.group(1))).first()
            if school is None and text.isdigit():
                self.add_error(
                    "school",
                    f"We cannot find an open school with URN {text}. Check the number, "
                    "or type the school's name",
                )
            return school
        same_name = list(schools.filter(name__iexact=text)[:2])
        if len(same_name) > 1:
            self.add_error(
                "school",
                f"More than one school is called \u201c{text}\u201d: choose yours from the list "
                "or type its 6-digit URN",
            )
            return None
        return same_name[0] if same_name else None

    def _already_applied(self, school: School | None, name: str, postcode: str) -> bool:
        others = Application.objects.filter(
            programme=self.programme, academic_year=self.academic_year
        )
        if school is not None:
            return others.filter(school=school).exists()
        return others.filter(
            Q(school__isnull=True), school_name__iexact=name, school_postcode=postcode
        ).exists()

    def _done_once_already(self, school: School) -> bool:
        """Whether ``school`` has a place, or an offer or acceptance, in a once-only programme.

        Schools take a once-only programme (Development Work Groups) a single time,
        so a listed school that is in, or offered a place in, one cannot apply again.
        """
        if not getattr(self.programme, "once_per_school", False):
            return False
        held = (Application.Status.OFFERED, Application.Status.ACCEPTED)
        return (
            Enrolment.objects.filter(school=school, stage=self.programme).exists()
            or Application.objects.filter(
                school=school, programme=self.programme, status__in=held
            ).exists()
        )

    @property
    def refusal_message(self) -> str:
        """One message for every reason a school may not apply.

        It names no applicant, date, group or offer, and does not say which reason
        applies: "already applied", "holds a place" and "has an offer" read the same.
        """
        return format_html(
            "We cannot accept another application for this school for this programme and "
            "year. If you think this is wrong, contact the hub at {}",
            hub_email_link(),
        )

    # Saving ---------------------------------------------------------------------

    def save(self) -> Application:
        """Write the application and its two teachers in one transaction.

        :raises DuplicateApplication: when another request saved an application for
            the same school, programme and year since this form was validated (the
            database's unique constraint is the final word).
        """
        data = self.cleaned_data
        school = self.resolved_school
        application = Application(
            programme=self.programme,
            academic_year=self.academic_year,
            school=school,
            school_name=school.name if school else data["school"],
            school_postcode=school.postcode if school else data["school_postcode"],
            head_name=data["head_name"],
            head_email=data["head_email"],
            preferred_group=data.get("preferred_group"),
            reason=data["reason"],
            consent=True,
        )
        try:
            with transaction.atomic():
                application.save()
                ApplicationParticipant.objects.bulk_create(
                    ApplicationParticipant(
                        application=application,
                        name=data[f"teacher_{n}_name"],
                        email=data[f"teacher_{n}_email"],
                        role=data[f"teacher_{n}_role"],
                        trn=data[f"teacher_{n}_trn"],
                        is_maths_lead=data[f"teacher_{n}_is_maths_lead"],
                    )
                    for n in TEACHERS
                )
                # The application's history starts here: created by nobody signed in.
                log(instance=application, action="wagtail.create", data={"source": "public form"})
        except IntegrityError:
            if school is not None and self._already_applied(school, "", ""):
                self._refuse()
                raise DuplicateApplication from None
            raise
        return application

    def teacher_fields(self):
        """The two teachers' bound fields, grouped for the template's fieldsets."""
        return [
            {
                "number": n,
                "legend": "First teacher" if n == 1 else "Second teacher",
                "fields": [
                    self[f"teacher_{n}_{part}"] for part in ("name", "email", "role", "trn")
                ],
                "maths_lead": self[f"teacher_{n}_is_maths_lead"],
            }
            for n in TEACHERS
        ]
