"""Who may see and change which PD records: the one place that rule lives.

Every listing, view, chooser, export, report and email asks the permission policy
of its model here. A policy answers two questions, the way Wagtail's own policies
do: which instances may this user act on (a queryset, for listings), and may this
user act on this instance (for every view of one object).

The scope of a user is the union of their roles:

* a hub lead (or superuser) sees every record of the hub;
* a Mastery Specialist sees the Work Groups they lead, those groups' schools,
  enrolments, meetings, visits, and the applications offered a place in them;
* a school leader sees only their own schools and what belongs to them;
* anyone else (an editor, say) sees no PD record at all.

What a role may *do* with what it sees (view, add, change, delete) comes from the
Django model permissions of its Wagtail group, so an administrator can still tune
them in the ordinary group screens.
"""

from dataclasses import dataclass, replace
from functools import cached_property

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet

from wagtail.permission_policies import ModelPermissionPolicy

from workflows.accounts import roles


def _group_names(user) -> frozenset[str]:
    """Return the names of ``user``'s groups, cached on the user for the request."""
    cached = getattr(user, "_pd_group_names", None)
    if cached is None:
        cached = (
            frozenset(user.groups.values_list("name", flat=True))
            if user.is_authenticated
            else frozenset()
        )
        user._pd_group_names = cached
    return cached


def is_hub_lead(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or roles.HUB_LEADS in _group_names(user))
    )


def is_specialist(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and roles.SPECIALISTS in _group_names(user)
    )


def is_school_leader(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and roles.SCHOOL_LEADERS in _group_names(user)
    )


@dataclass(frozen=True)
class ScopeRule:
    """How one PD model reaches what scope is about: a school, a Work Group, a specialist.

    Each path is a Django lookup path from the model (``""`` is the record itself):

    * ``school``: the school a school leader must lead to see the record;
    * ``group``: the Work Group a Mastery Specialist must lead to see it;
    * ``specialist``: a user field naming the specialist the record is assigned to
      (a plan assigned to a specialist of another group stays theirs);
    * ``shared``: a vocabulary every holder of the model permission sees whole;
    * ``hub_only``: records for hub leads alone.

    A path crossing a to-many relation (a school's enrolments) becomes a subquery
    on the model's own key, so rows never repeat and no ``distinct()`` is needed.
    """

    school: str | None = None
    group: str | None = None
    specialist: str | None = None
    shared: bool = False
    hub_only: bool = False

    def under(self, prefix: str) -> "ScopeRule":
        """The same rule reached through ``prefix`` (a plan's priorities: ``plan``)."""

        def join(path):
            return None if path is None else "__".join(p for p in (prefix, path) if p)

        return replace(
            self, school=join(self.school), group=join(self.group), specialist=join(self.specialist)
        )


_PLAN = ScopeRule(school="school", group="enrolment__work_group", specialist="specialist")

# The one declaration of scope: every model of the PD domain, by label. A model
# missing here cannot get a permission policy (``register_scoped_policies``) and
# fails the ``workflows.E001`` system check.
SCOPES: dict[str, ScopeRule] = {
    "workflows.school": ScopeRule(school="", group="enrolments__work_group"),
    "workflows.workgroup": ScopeRule(school="enrolments__school", group=""),
    "workflows.enrolment": ScopeRule(school="school", group="work_group"),
    "workflows.visit": ScopeRule(school="school", group="work_group"),
    "workflows.participant": ScopeRule(school="enrolment__school", group="enrolment__work_group"),
    "workflows.meeting": ScopeRule(school="work_group__enrolments__school", group="work_group"),
    # A school leader reads the messages their school's people received.
    "workflows.groupmessage": ScopeRule(school="recipients__enrolment__school", group="work_group"),
    "workflows.attendance": ScopeRule(
        school="participant__enrolment__school", group="meeting__work_group"
    ),
    "workflows.application": ScopeRule(school="school", group="offered_group"),
    "workflows.applicationparticipant": ScopeRule(
        school="application__school", group="application__offered_group"
    ),
    "workflows.focusarea": ScopeRule(shared=True),
    "workflows.actionplan": _PLAN,
    "workflows.priority": _PLAN.under("plan"),
    "workflows.action": _PLAN.under("plan"),
    "workflows.progressnote": _PLAN.under("plan"),
    "workflows.criterionprogress": _PLAN.under("action__plan"),
    "workflows.actionevidence": _PLAN.under("plan"),
    "workflows.planreview": _PLAN.under("plan"),
    "workflows.reviewentry": _PLAN.under("review__plan"),
    # Bookkeeping of the hub: who was reminded of what, the hub's own log.
    "workflows.reminderlog": ScopeRule(hub_only=True),
    # Personal-data housekeeping: the marks left by purged accounts.
    "workflows.anonymisedaccount": ScopeRule(hub_only=True),
    # A user's own calendar address: served by its token, never listed to others.
    "workflows.calendarfeed": ScopeRule(hub_only=True),
}


def rule_for(model: type[Model]) -> ScopeRule:
    """Return the declared scope of ``model``; a model without one is a configuration error."""
    try:
        return SCOPES[model._meta.label_lower]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no scope: declare its ScopeRule in "
            "workflows.permissions.SCOPES before giving it an admin."
        ) from None


def _spans_many(model: type[Model], path: str) -> bool:
    """Whether following ``path`` from ``model`` crosses a to-many relation."""
    opts = model._meta
    for name in path.split("__") if path else ():
        field = opts.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        opts = field.related_model._meta
    return False


class Scope:
    """The PD records one user may see, as ``Q`` filters per model.

    ``None`` means "everything" (hub leads); an empty ``Q(pk__in=[])`` means nothing.
    The filters use subqueries rather than fetched id lists, so a listing costs the
    same number of queries however many records there are.
    """

    NOTHING = Q(pk__in=[])

    def __init__(self, user):
        self.user = user
        self.everything = is_hub_lead(user)
        self.specialist = not self.everything and is_specialist(user)
        self.leader = not self.everything and is_school_leader(user)

    @classmethod
    def own(cls, user) -> "Scope":
        """The records ``user`` takes part in: what they lead, not what they oversee.

        The same rules, without the hub lead's "everything": a hub lead's own
        calendar is the groups they lead and the schools they lead (read as a
        specialist's and a school leader's scope), not every meeting of the hub.
        """
        scope = cls(user)
        if scope.everything:
            scope.everything = False
            scope.specialist = scope.leader = True
        return scope

    @cached_property
    def led_school_ids(self):
        from workflows.models import School

        return School.objects.filter(leaders=self.user).values("pk")

    @cached_property
    def led_group_ids(self):
        from workflows.models import WorkGroup

        return WorkGroup.objects.filter(lead_specialist=self.user).values("pk")

    def q_for(self, model: type[Model]) -> Q | None:
        """Return the filter on ``model`` for this user (``None``: no filter at all)."""
        rule = rule_for(model)
        if self.everything or rule.shared:
            return None
        q = self.NOTHING
        if rule.hub_only:
            return q
        if self.specialist:
            if rule.group is not None:
                q |= self._through(model, rule.group, self.led_group_ids)
            if rule.specialist is not None:
                q |= Q(**{rule.specialist: self.user})
        if self.leader and rule.school is not None:
            q |= self._through(model, rule.school, self.led_school_ids)
        return q

    @staticmethod
    def _through(model, path, ids) -> Q:
        """``path`` in ``ids``, as a subquery on the key where ``path`` is to-many."""
        lookup = f"{path}__in" if path else "pk__in"
        if _spans_many(model, path):
            return Q(pk__in=model._default_manager.filter(**{lookup: ids}).values("pk"))
        return Q(**{lookup: ids})

    def filter(self, queryset: QuerySet) -> QuerySet:
        """Narrow ``queryset`` to what this user may see."""
        q = self.q_for(queryset.model)
        return queryset if q is None else queryset.filter(q)


def scope_for(user) -> Scope:
    """Return the user's scope, built once per user object (so once per request)."""
    scope = getattr(user, "_pd_scope", None)
    if scope is None:
        scope = Scope(user)
        user._pd_scope = scope
    return scope


def visible(user, queryset: QuerySet) -> QuerySet:
    """Return the part of ``queryset`` that ``user`` may see."""
    return scope_for(user).filter(queryset)


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, narrowed to the objects in the user's scope.

    Registered for every PD model with Wagtail's ``register_permission_policy`` so
    Wagtail's generic views, choosers and our own views share one rule.
    """

    def instances_user_has_permission_for(self, user, action):
        return self.instances_user_has_any_permission_for(user, [action])

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return visible(user, self.model._default_manager.all())

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        q = scope_for(user).q_for(self.model)
        if q is None:
            return True
        return self.model._default_manager.filter(q, pk=instance.pk).exists()


def is_scoped_model(model: type[Model]) -> bool:
    """Whether ``model`` is a PD record governed by :data:`SCOPES`."""
    return model._meta.label_lower in SCOPES


def _governed_elsewhere(model: type[Model]) -> bool:
    """Models of the app whose access Wagtail's own machinery decides, each scoped there.

    Log entries answer ``viewable_by_user`` per record through the policies below;
    workflow tasks are Wagtail settings for administrators; pages follow page
    permissions; settings (the retention policy) their own settings permission.
    """
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    from wagtail.models import BaseLogEntry, Page, Task

    return issubclass(model, BaseLogEntry | Task | Page | BaseGenericSetting | BaseSiteSetting)


def register_scoped_policies() -> None:
    """Give every PD model its scoped permission policy (from ``WorkflowsConfig.ready``).

    Wagtail's generic views, choosers and bulk actions, and our own views, look
    the policy up by model, so this is where a model joins the one rule. A model
    without a declared scope is refused here rather than silently treated one way.
    """
    from django.apps import apps

    from wagtail.permissions import register_permission_policy

    for model in apps.get_app_config("workflows").get_models():
        if _governed_elsewhere(model):
            continue
        rule_for(model)  # raises for a model nobody declared
        register_permission_policy(model, ScopedPermissionPolicy(model))


@checks.register(checks.Tags.security)
def check_every_model_is_scoped(app_configs=None, **kwargs):
    """``workflows.E001``: every model of the PD domain declares its scope."""
    from django.apps import apps

    return [
        checks.Error(
            f"{model._meta.label} has no scope rule.",
            hint="Declare a ScopeRule for it in workflows.permissions.SCOPES.",
            obj=model,
            id="workflows.E001",
        )
        for model in apps.get_app_config("workflows").get_models()
        if not _governed_elsewhere(model) and not is_scoped_model(model)
    ]
