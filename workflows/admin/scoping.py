"""Per-user scoping for every PD admin view, through ``workflows.permissions``.

Wagtail 8's generic model views check *model* permissions only (a specialist with
"change work group" could open any group's edit URL); of the instance views only
the copy view asks ``permission_policy.user_has_any_permission_for_instance``
(see wagtail/wagtail#13314). So each view class here adds that check to its
``get_object`` and narrows its listing to ``visible(user, ...)``: the one rule of
``workflows.permissions`` then holds for typed URLs and direct POSTs as well.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.views import DeleteView as ModelAdminDeleteView
from wagtail_modeladmin.views import EditView as ModelAdminEditView
from wagtail_modeladmin.views import HistoryView as ModelAdminHistoryView
from wagtail_modeladmin.views import InspectView as ModelAdminInspectView

from workflows import models as pd_models
from workflows import roles
from workflows.admin.concurrency import StaleEditMixin, StaleModelAdminEditMixin
from workflows.permissions import is_hub_lead, visible

PD_MODELS = tuple(getattr(pd_models, name) for name in pd_models.__all__)
ANY_ACTION = ("add", "change", "delete", "view")


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


def check_instance(policy, user, actions, obj):
    """Refuse ``obj`` to ``user`` unless the policy allows one of ``actions`` on it.

    Without the model permission at all, ``PermissionDenied`` (Wagtail's usual
    answer: back to the dashboard with a message). With it, but for an object
    outside the user's scope, ``Http404``: to them that record does not exist,
    and the answer does not even confirm that the id is taken.
    """
    if not policy.user_has_any_permission(user, actions):
        raise PermissionDenied
    if not policy.user_has_any_permission_for_instance(user, actions, obj):
        raise Http404("No such record.")


class ScopedObjectMixin:
    """Check the object against the user's scope, whatever the URL or method."""

    instance_actions = ANY_ACTION

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        check_instance(self.permission_policy, self.request.user, self.instance_actions, obj)
        return obj


class ScopedFilterSet(WagtailFilterSet):
    """Listing filters whose choices of PD records (a group, a school) are scoped too."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        for filter_ in self.filters.values():
            # django-filter keeps a model choice filter's queryset on the filter itself.
            queryset = getattr(filter_, "queryset", None)
            if getattr(queryset, "model", None) in PD_MODELS:
                filter_.queryset = visible(request.user, queryset)


class ScopedIndexView(generic.IndexView):
    """A listing of only what the user may see; ``list_select_related`` keeps it flat."""

    list_select_related = ()
    base_filterset_class = ScopedFilterSet

    def get_base_queryset(self):
        queryset = visible(self.request.user, super().get_base_queryset())
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset


class ScopedEditView(StaleEditMixin, ScopedObjectMixin, generic.EditView):
    """Edit in scope; a save over someone else's newer change is refused (``concurrency``)."""

    instance_actions = ("change",)


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    instance_actions = ("delete",)


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    pass


class ScopedHistoryView(ScopedObjectMixin, history.HistoryView):
    pass


class ScopedUsageView(ScopedObjectMixin, usage.UsageView):
    pass


class ScopedModelViewSet(ModelViewSet):
    """A ``ModelViewSet`` whose every view obeys the scope of the signed-in user.

    The permission policy is the one registered for the model in ``apps.py``
    (``ScopedPermissionPolicy``), so menu visibility and buttons follow the role's
    model permissions, and the views above add the per-object scope.
    """

    add_to_admin_menu = False
    copy_view_enabled = False
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    form_class = None  # set below, once ScopedModelForm exists
    form_fields = None

    def get_edit_handler(self):
        """Build the form from ``panels`` (or one panel per ``form_fields``) on ``form_class``.

        ``ModelViewSet`` would otherwise fall back to a plain ``modelform_factory``
        form for ``form_fields``, which never learns who the user is.
        """
        panels = getattr(self, "panels", None) or [FieldPanel(name) for name in self.form_fields]
        return ObjectList(panels, base_form_class=self.form_class).bind_to_model(self.model)


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
        from workflows.admin.choosers import school_chooser

        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and queryset.model in PD_MODELS and user is not None:
                field.queryset = visible(user, queryset)
            if queryset is not None and queryset.model is get_user_model():
                field.queryset = self.user_choices(name, queryset)
            if queryset is not None and queryset.model is pd_models.School:
                # One school among thousands: a searchable chooser, not a select.
                field.widget = school_chooser.widget_class()
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
        return queryset.filter(Q(pk=user.pk) | Q(pk=current or user.pk))

    def restrict_child_choices(self, relation, field_name, queryset):
        """Limit a choice field of the inline forms of ``relation`` to ``queryset``.

        The inline forms are built lazily from ``formset.form``, so swapping in a
        subclass with narrowed ``base_fields`` reaches every form, the blank one
        Wagtail clones for "add another" included.
        """
        formset = self.formsets[relation]
        # The form metaclass rebuilds ``base_fields`` for a new class, so narrow the
        # subclass's own copy after it is made.
        narrowed = type(formset.form.__name__, (formset.form,), {})
        narrowed.base_fields[field_name].queryset = queryset
        formset.form = narrowed


ScopedModelViewSet.form_class = ScopedModelForm


class _ModelLevelPermissions:
    """A permission helper's answers for rows already known to be in scope."""

    def __init__(self, helper):
        self._helper = helper

    def __getattr__(self, name):
        return getattr(self._helper, name)

    def user_can_inspect_obj(self, user, obj):
        return self._helper.inspect_view_enabled and self._helper.user_can_list(user)

    def user_can_edit_obj(self, user, obj):
        return self._helper.policy.user_has_permission(user, "change")

    def user_can_delete_obj(self, user, obj):
        return self._helper.policy.user_has_permission(user, "delete")


class ScopedButtonHelper(ButtonHelper):
    """Buttons of rows that came from the scoped queryset: no query per row.

    Every row of a modeladmin listing has passed ``visible()`` already, so its
    buttons need only the model permission; the views behind the buttons still
    check the object itself.
    """

    def __init__(self, view, request):
        super().__init__(view, request)
        self.permission_helper = _ModelLevelPermissions(self.permission_helper)


class ScopedPermissionHelper(PermissionHelper):
    """wagtail-modeladmin's per-object permission helper, answered by the scoped policy.

    modeladmin's edit, delete and inspect views ask ``user_can_*_obj`` before they
    render or save, so this is where its per-object scoping belongs.
    """

    @property
    def policy(self):
        from wagtail.permissions import policy_registry

        return policy_registry.get_by_type(self.model)

    def _may(self, user, action, obj):
        return self.policy.user_has_permission_for_instance(user, action, obj)

    def user_can_list(self, user):
        return self.policy.user_has_any_permission(user, ANY_ACTION)

    def user_can_inspect_obj(self, user, obj):
        return self.inspect_view_enabled and self.policy.user_has_any_permission_for_instance(
            user, ANY_ACTION, obj
        )

    def user_can_edit_obj(self, user, obj):
        return self._may(user, "change", obj)

    def user_can_delete_obj(self, user, obj):
        return self._may(user, "delete", obj)


class ScopedInstanceViewMixin:
    """For modeladmin's instance views: a record outside the user's scope is a 404.

    The permission helper above already refuses it (modeladmin then raises
    ``PermissionDenied``); checking first makes the answer the same 404 as the
    Wagtail viewsets give.
    """

    instance_actions = ANY_ACTION

    def dispatch(self, request, *args, **kwargs):
        policy = self.permission_helper.policy
        if request.user.is_authenticated:
            check_instance(policy, request.user, self.instance_actions, self.instance)
        return super().dispatch(request, *args, **kwargs)


class ScopedModelAdminEditView(
    StaleModelAdminEditMixin, ScopedInstanceViewMixin, ModelAdminEditView
):
    instance_actions = ("change",)


class ScopedModelAdminDeleteView(ScopedInstanceViewMixin, ModelAdminDeleteView):
    instance_actions = ("delete",)


class ScopedModelAdminHistoryView(ScopedInstanceViewMixin, ModelAdminHistoryView):
    pass


class ScopedModelAdminInspectView(ScopedInstanceViewMixin, ModelAdminInspectView):
    pass
