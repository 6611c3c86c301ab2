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

from functools import cached_property

from django.db.models import Model, Q, QuerySet

from wagtail.permission_policies import ModelPermissionPolicy

from workflows import roles


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

    def _union(self, specialist_q: Q | None, leader_q: Q | None) -> Q | None:
        if self.everything:
            return None
        q = self.NOTHING
        if self.specialist and specialist_q is not None:
            q |= specialist_q
        if self.leader and leader_q is not None:
            q |= leader_q
        return q

    @cached_property
    def led_school_ids(self):
        from workflows.models import School

        return School.objects.filter(leaders=self.user).values("pk")

    @cached_property
    def led_group_ids(self):
        from workflows.models import WorkGroup

        return WorkGroup.objects.filter(lead_specialist=self.user).values("pk")

    @cached_property
    def specialist_school_ids(self):
        from workflows.models import Enrolment

        return Enrolment.objects.filter(work_group__lead_specialist=self.user).values("school_id")

    def q_for(self, model: type[Model]) -> Q | None:
        """Return the filter on ``model`` for this user (``None``: no filter at all)."""
        name = model._meta.model_name
        if name == "school":
            return self._union(Q(pk__in=self.specialist_school_ids), Q(pk__in=self.led_school_ids))
        if name == "workgroup":
            return self._union(
                Q(pk__in=self.led_group_ids),
                Q(enrolments__school__in=self.led_school_ids),
            )
        if name in {"enrolment", "visit"}:
            return self._union(
                Q(work_group__in=self.led_group_ids), Q(school__in=self.led_school_ids)
            )
        if name == "participant":
            return self._union(
                Q(enrolment__work_group__in=self.led_group_ids),
                Q(enrolment__school__in=self.led_school_ids),
            )
        if name == "meeting":
            return self._union(
                Q(work_group__in=self.led_group_ids),
                Q(work_group__enrolments__school__in=self.led_school_ids),
            )
        if name == "attendance":
            return self._union(
                Q(meeting__work_group__in=self.led_group_ids),
                Q(participant__enrolment__school__in=self.led_school_ids),
            )
        if name == "application":
            return self._union(
                Q(offered_group__in=self.led_group_ids), Q(school__in=self.led_school_ids)
            )
        if name == "applicationparticipant":
            return self._union(
                Q(application__offered_group__in=self.led_group_ids),
                Q(application__school__in=self.led_school_ids),
            )
        if name == "focusarea":
            # A shared vocabulary: whoever may view the model sees all of it.
            return None
        if name == "actionplan":
            return self._plan_q("")
        if name in {"priority", "action", "progressnote", "planreview"}:
            return self._plan_q("plan__")
        if name == "reviewentry":
            return self._plan_q("review__plan__")
        # A model nobody taught the scope about is visible to hub leads only.
        return self._union(None, None)

    def _plan_q(self, prefix: str) -> Q | None:
        """Plans of the groups a specialist leads (or assigned to them); a leader's school's."""
        return self._union(
            Q(**{f"{prefix}enrolment__work_group__in": self.led_group_ids})
            | Q(**{f"{prefix}specialist": self.user}),
            Q(**{f"{prefix}school__in": self.led_school_ids}),
        )

    def filter(self, queryset: QuerySet) -> QuerySet:
        """Narrow ``queryset`` to what this user may see."""
        q = self.q_for(queryset.model)
        if q is None:
            return queryset
        filtered = queryset.filter(q)
        # Joins through to-many relations (a group's enrolments) can repeat rows.
        return filtered.distinct() if self._needs_distinct(queryset.model) else filtered

    def _needs_distinct(self, model) -> bool:
        return model._meta.model_name in {"workgroup", "meeting"}


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
