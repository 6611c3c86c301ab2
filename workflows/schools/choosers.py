"""A school chooser, scoped: the only way to pick one school out of 50,000 in a form.

A plain select would render every school in GIAS into each form that links to a
school; Wagtail's ``ChooserViewSet`` gives a searchable, paginated modal instead,
used by the PD forms built on ``ScopedModelForm`` (not registered for every
``ForeignKey`` to ``School``: other areas keep the widgets they chose). Built on
the scoped viewset base, its listing and its "chosen" answers are narrowed to the
user's scope, so a specialist can neither see nor pick another group's school
(and the form field's own scoped queryset refuses a posted id all the same).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView

from workflows.models import School
from workflows.shared.scoping import ScopedChooserViewSet


class SchoolSearchForm(BaseFilterForm):
    q = forms.CharField(
        label="Search by name, URN or postcode",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Name, URN or postcode"}),
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            match = Q(name__icontains=query) | Q(postcode__icontains=query)
            if query.isascii() and query.isdigit():
                match |= Q(urn=int(query))
            objects = objects.filter(match)
            self.is_searching = True
            self.search_query = query
        return objects


class SchoolChooseView(ChooseView):
    filter_form_class = SchoolSearchForm


class SchoolChooseResultsView(ChooseResultsView):
    filter_form_class = SchoolSearchForm


class SchoolChooserViewSet(ScopedChooserViewSet):
    model = School
    name = "pd_school_chooser"
    url_prefix = "pd/choose-school"
    icon = "home"
    choose_one_text = "Choose a school"
    choose_another_text = "Choose another school"
    choose_view_class = SchoolChooseView
    choose_results_view_class = SchoolChooseResultsView
    per_page = 20
    register_widget = False


school_chooser = SchoolChooserViewSet()


def school_chooser_widget(queryset):
    """The school chooser for a form field whose choices are ``queryset``.

    Wagtail's chooser widget shows the chosen school's name by looking up
    whatever id it is given, so a form re-rendered after a post naming another
    school would print that school's name. This one shows only a school of the
    field's own (scoped) choices, and nothing for an id that is not one.
    """
    base = school_chooser.widget_class

    class ScopedSchoolChooser(base):
        def get_instance(self, value):
            if value is None or isinstance(value, self.model_class):
                return value
            try:
                return queryset.filter(pk=value).first()
            except (ValueError, TypeError, ValidationError):
                return None

    return ScopedSchoolChooser()
