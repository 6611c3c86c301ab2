"""A school chooser, scoped: the only way to pick one school out of 50,000 in a form.

A plain select would render every school in GIAS into each form that links to a
school; Wagtail's ``ChooserViewSet`` gives a searchable, paginated modal instead,
used by the PD forms built on ``ScopedModelForm`` (not registered for every
``ForeignKey`` to ``School``: other areas keep the widgets they chose). Its listing and its "chosen" answer are narrowed to the
user's scope, so a specialist can neither see nor pick another group's school
(and the form field's own scoped queryset refuses a posted id all the same).
"""

from django import forms
from django.db.models import Q

from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic.chooser import (
    ChooseResultsView,
    ChooseView,
    ChosenMultipleView,
    ChosenView,
)
from wagtail.admin.viewsets.chooser import ChooserViewSet

from workflows.models import School
from workflows.permissions import visible


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
            if query.isdigit():
                match |= Q(urn=int(query))
            objects = objects.filter(match)
            self.is_searching = True
            self.search_query = query
        return objects


class ScopedChooseMixin:
    filter_form_class = SchoolSearchForm

    def get_object_list(self):
        return visible(self.request.user, School.objects.all())


class SchoolChooseView(ScopedChooseMixin, ChooseView):
    pass


class SchoolChooseResultsView(ScopedChooseMixin, ChooseResultsView):
    pass


class SchoolChosenView(ChosenView):
    def get_object(self, pk):
        # ``School.DoesNotExist`` for a school outside the scope: the view answers 404.
        return visible(self.request.user, School.objects.all()).get(pk=pk)


class SchoolChosenMultipleView(ChosenMultipleView):
    def get_objects(self, pks):
        # Ids outside the scope are silently dropped, as ids that do not exist are.
        return visible(self.request.user, School.objects.all()).filter(pk__in=pks)


class SchoolChooserViewSet(ChooserViewSet):
    model = School
    name = "pd_school_chooser"
    url_prefix = "pd/choose-school"
    icon = "home"
    choose_one_text = "Choose a school"
    choose_another_text = "Choose another school"
    choose_view_class = SchoolChooseView
    choose_results_view_class = SchoolChooseResultsView
    chosen_view_class = SchoolChosenView
    chosen_multiple_view_class = SchoolChosenMultipleView
    per_page = 20
    register_widget = False


school_chooser = SchoolChooserViewSet()
