r"""The one way a PD model's admin is scoped: :class:`ScopedViewSetMixin`.

Wagtail 8's generic views check *model* permissions; of the instance views only a
few ask the permission policy about the object (wagtail/wagtail#13314), and a
listing takes whatever queryset it is given. So every viewset of a PD model (the
hub's ``ModelViewSet``\ s, the action plans' ``SnippetViewSet``, their choosers)
mixes in :class:`ScopedViewSetMixin`, whose ``construct_view`` puts
:class:`ScopedView` in front of *every* view it builds: listing, export, inspect,
edit, delete, history, usage, revisions, compare, workflow actions, lock, preview,
chooser, chosen and the viewset's own extra views. One mixin, whatever the view:

* a URL naming an object (``pk``) outside the user's scope is a 404 before the
  view loads anything, for GET and POST alike;
* every queryset a view lists from (listing, export, chooser) is narrowed by
  :func:`workflows.permissions.visible`;
* every choice of a PD record in its forms and filters (a school, a group, an
  attendance row's participant) is narrowed the same way, so a posted id from
  outside the scope fails validation and a re-render lists nothing foreign;
* only declared filters filter: Wagtail's filtersets ignore unknown parameters;
* every CSV cell is made safe from spreadsheet formulas (:mod:`cms.spreadsheets`).

The rule itself (who sees which records) is declared per model in
:mod:`workflows.permissions`. A viewset of a PD model without this mixin fails the
``workflows.E002`` check (:func:`check_pd_viewsets_are_scoped`).
"""

import copy
import datetime

from django.apps import apps
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import get_resolver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.spreadsheets import FormulaSafeExportMixin
from workflows.accounts import roles
from workflows.permissions import is_hub_lead, is_scoped_model, visible
from workflows.shared.concurrency import StaleEditMixin


class HubLeadPageMixin(WagtailAdminTemplateMixin):
    """An admin page for hub leads alone (placement board, lockouts, subject-access export).

    Each sees across every school and group, so anyone else is refused (403) before
    the view does any work. The breadcrumb trail ends at the page's own title.
    """

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not is_hub_lead(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _narrow_choices(fields, user):
    """Narrow every choice of a PD record among ``fields`` to what ``user`` may see.

    A field narrowed once (by the form itself, then again by the view) is marked,
    so its query does not carry the scope's subqueries twice.
    """
    for field in fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None or getattr(field, "pd_scoped", False):
            continue
        if is_scoped_model(queryset.model):
            field.queryset = visible(user, queryset)
            field.pd_scoped = True


def narrowed_form_class(form_class, narrow):
    """Return a subclass of ``form_class`` whose own copy of the fields ``narrow`` changed.

    Inline forms are built lazily from ``formset.form``, so swapping in such a
    subclass reaches every row, the blank one Wagtail clones for "add another"
    included, without touching the class other requests share.
    """
    narrowed = type(form_class.__name__, (form_class,), {})
    narrowed.base_fields = copy.deepcopy(form_class.base_fields)
    narrow(narrowed.base_fields)
    return narrowed


def scope_form(form, user):
    """Narrow ``form``'s choices of PD records, and those of its inline formsets."""
    _narrow_choices(form.fields, user)
    for formset in getattr(form, "formsets", {}).values():
        formset.form = narrowed_form_class(
            formset.form, lambda fields: _narrow_choices(fields, user)
        )
    return form


class ScopedView(FormulaSafeExportMixin):
    """Put in front of every view of a scoped viewset by :class:`ScopedViewSetMixin`."""

    #: The model whose scope applies; set by the viewset for each view it builds.
    scoped_model = None

    def setup(self, request, *args, **kwargs):
        # Before the view's own ``setup``, which may already load the object, its
        # revision or its task state from the id.
        self.request = request
        pk = kwargs.get("pk")
        if pk is not None and not self.in_scope(unquote(str(pk))):
            raise Http404("No such record.")
        super().setup(request, *args, **kwargs)

    def in_scope(self, pk) -> bool:
        manager = self.scoped_model._default_manager
        try:
            return visible(self.request.user, manager.filter(pk=pk)).exists()
        except (ValueError, TypeError, ValidationError):
            return False  # not even a well-formed id

    def narrow(self, queryset):
        """``queryset`` in the user's scope; other models (a record's history) as they are.

        A history listing's log entries are of the object in the URL, already checked.
        """
        if is_scoped_model(queryset.model):
            return visible(self.request.user, queryset)
        return queryset

    # Listings and exports (generic IndexView).
    def get_base_queryset(self):
        return self.narrow(super().get_base_queryset())

    # Choosers: the list, the several chosen (``?id=``); the one chosen has a ``pk``.
    def get_object_list(self):
        return self.narrow(super().get_object_list())

    def get_objects(self, pks):
        return self.narrow(super().get_objects(pks))

    @cached_property
    def filters(self):
        filters = getattr(super(), "filters", None)
        if filters is not None:
            # The filters, and the form already built from them (its drop-downs).
            _narrow_choices(filters.filters, self.request.user)
            _narrow_choices(filters.form.fields, self.request.user)
        return filters

    def get_form(self, *args, **kwargs):
        return scope_form(super().get_form(*args, **kwargs), self.request.user)

    def get_creation_form(self):
        """A chooser's "create" form, scoped; posting to one that has none is a 404.

        Wagtail builds the create URL of every chooser, and posting to it when the
        chooser has no creation form was a server error.
        """
        form = super().get_creation_form()
        if form is None:
            if self.request.method == "POST":
                raise Http404("Records of this kind are not created from a chooser.")
            return None
        return scope_form(form, self.request.user)

    def get_task_state(self):
        """A workflow action's task state only from the object in the URL."""
        task_state = super().get_task_state()
        state = task_state.workflow_state
        if (
            state.object_id != str(self.object.pk)
            or state.base_content_type.model_class() is not self.scoped_model
        ):
            raise Http404("This task is not part of this record.")
        return task_state


class ScopedViewSetMixin:
    """Build every view of the viewset with :class:`ScopedView` in front."""

    def construct_view(self, view_class, **kwargs):
        if not issubclass(view_class, ScopedView):
            view_class = type(
                f"Scoped{view_class.__name__}",
                (ScopedView, view_class),
                {"scoped_model": self.model},
            )
        return super().construct_view(view_class, **kwargs)


def is_scoped_viewset(viewset) -> bool:
    return isinstance(viewset, ScopedViewSetMixin)


@checks.register(checks.Tags.security)
def check_pd_viewsets_are_scoped(app_configs=None, **kwargs):
    """``workflows.E002``: every registered admin viewset of a PD model is scoped.

    Reads Wagtail's viewset registry once the admin URLs are loaded, so a viewset
    registered by any hook (or ``register_snippet``) without the mixin is caught.
    """
    get_resolver().url_patterns  # noqa: B018  (loads the admin, which registers viewsets)
    return [
        checks.Error(
            f"The admin viewset {type(viewset).__name__} of {_viewset_model(viewset)._meta.label} "
            "is not scoped.",
            hint="Build it on workflows.shared.scoping.ScopedViewSetMixin.",
            obj=type(viewset),
            id="workflows.E002",
        )
        for viewset in viewsets.viewsets
        if _viewset_model(viewset) is not None
        and is_scoped_model(_viewset_model(viewset))
        and not is_scoped_viewset(viewset)
    ]


def _viewset_model(viewset):
    """The model class a viewset serves (some name theirs as ``"app_label.Model"``)."""
    model = getattr(viewset, "model", None)
    if isinstance(model, str):
        model = apps.get_model(model)
    return model


class ScopedIndexView(generic.IndexView):
    """A listing whose ``list_select_related`` keeps it flat (scope comes from the viewset)."""

    list_select_related = ()

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset


class ScopedEditView(StaleEditMixin, generic.EditView):
    """Edit; a save over someone else's newer change is refused (``concurrency``)."""


class ReadableInspectView(generic.InspectView):
    """A record as people read it: "Not recorded" for blanks, Yes/No for flags, dates in words.

    Wagtail's inspect view prints the raw value, so an open school read "Closed
    on None" and a school in GIAS "Missing from GIAS False".
    """

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "Not recorded"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "j F Y, H:i")
        if isinstance(value, datetime.date):
            return date_format(value, "j F Y")
        return value


class ScopedModelViewSet(ScopedViewSetMixin, ModelViewSet):
    """A ``ModelViewSet`` of a PD model: every view scoped, forms on :class:`ScopedModelForm`.

    The permission policy is the one registered for the model
    (``ScopedPermissionPolicy``), so menu visibility and buttons follow the role's
    model permissions.
    """

    add_to_admin_menu = False
    copy_view_enabled = False
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    inspect_view_class = ReadableInspectView
    form_class = None  # set below, once ScopedModelForm exists
    form_fields = None

    def get_edit_handler(self):
        """Build the form from ``panels`` (or one panel per ``form_fields``) on ``form_class``.

        ``ModelViewSet`` would otherwise fall back to a plain ``modelform_factory``
        form for ``form_fields``, which never learns who the user is.
        """
        panels = getattr(self, "panels", None) or [FieldPanel(name) for name in self.form_fields]
        return ObjectList(panels, base_form_class=self.form_class).bind_to_model(self.model)


class ScopedChooserViewSet(ScopedViewSetMixin, ChooserViewSet):
    """A chooser of PD records: lists, and lets one choose, only what the user may see."""


class ScopedSnippetChooserViewSet(ScopedViewSetMixin, SnippetChooserViewSet):
    pass


class ScopedSnippetViewSet(ScopedViewSetMixin, SnippetViewSet):
    """A snippet of the PD domain (action plans, focus areas), scoped like the rest."""

    chooser_viewset_class = ScopedSnippetChooserViewSet


def specialists_queryset():
    """Return the users who may lead a group or make a visit: the specialists."""
    return get_user_model().objects.filter(groups__name=roles.SPECIALISTS).distinct()


class ScopedModelForm(WagtailAdminModelForm):
    """An admin form whose choices of PD records are limited to the user's scope.

    A specialist choosing a school sees only their groups' schools, and posting the
    id of another school fails validation with Django's "Select a valid choice".
    ``hub_lead_only_fields`` are shown but cannot be changed by anyone else (a
    disabled field ignores whatever is posted for it).
    """

    hub_lead_only_fields = ()

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        user = self.for_user
        self.user_is_hub_lead = bool(user and is_hub_lead(user))
        from workflows.schools.choosers import school_chooser_widget

        if user is not None:
            _narrow_choices(self.fields, user)
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and queryset.model is get_user_model():
                field.queryset = self.user_choices(name, queryset)
            if queryset is not None and queryset.model._meta.label_lower == "workflows.school":
                # One school among thousands: a searchable chooser, not a select.
                field.widget = school_chooser_widget(field.queryset)
        if not self.user_is_hub_lead:
            for name in self.hub_lead_only_fields:
                if name in self.fields:
                    self.fields[name].disabled = True

    def user_choices(self, name, queryset):
        """Return the people a user field may list: never everyone's names.

        A hub lead chooses among the users who hold a PD role (the specialist forms
        narrow that further to the Mastery Specialists); anyone else sees only
        themselves, plus whoever the record already names, so saving it keeps it.
        """
        user = self.for_user
        if user is None:
            return queryset.none()
        if self.user_is_hub_lead:
            return queryset.filter(groups__name__in=roles.PD_ROLES).distinct()
        current = self.initial.get(name) or getattr(self.instance, f"{name}_id", None)
        if isinstance(current, list | tuple | QuerySet):  # a many-to-many (school leaders)
            return queryset.filter(Q(pk=user.pk) | Q(pk__in=[getattr(u, "pk", u) for u in current]))
        return queryset.filter(Q(pk=user.pk) | Q(pk=current or user.pk))

    def restrict_child_choices(self, relation, field_name, queryset):
        """Limit a choice field of the inline forms of ``relation`` to ``queryset``."""
        formset = self.formsets[relation]

        def narrow(fields):
            fields[field_name].queryset = queryset

        formset.form = narrowed_form_class(formset.form, narrow)


ScopedModelViewSet.form_class = ScopedModelForm
