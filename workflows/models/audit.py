from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from wagtail.models.audit_log import BaseLogEntry, ModelLogEntryManager


class HubLogEntryManager(ModelLogEntryManager):
    """Wagtail's model log manager, answering "viewable by" per object.

    The stock manager lets anyone with a permission on a model read the history
    of every object of it, so a specialist would read the site history of the
    other group's schools. Here each entry is visible exactly when its object is,
    by the one access rule in :mod:`workflows.permissions`.
    """

    def viewable_by_user(self, user):
        """Entries of the records ``user`` may see: in their scope *and* their role's rights.

        The scope alone would show a school leader the history of their school's
        participants and meetings, which their role may not open (``0004``): the
        registered policy answers both, as every listing does. Records outside the
        PD models (the retention policy, its purges and exports) are hub leads' only.
        """
        from wagtail.permissions import policy_registry

        from workflows.admin.history import LOGGED_MODELS
        from workflows.permissions import scope_for

        if scope_for(user).everything:
            return self.all()
        q = Q(pk__in=[])
        for model in LOGGED_MODELS:
            policy = policy_registry.get_by_type(model)
            if not policy.user_has_any_permission(user, ["add", "change", "delete", "view"]):
                continue
            ids = policy.instances_user_has_any_permission_for(
                user, ["add", "change", "delete", "view"]
            ).annotate(pk_str=Cast("pk", output_field=CharField()))
            q |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=ids.values("pk_str"),
            )
        return self.filter(q)


class HubLogEntry(BaseLogEntry):
    """The history of the hub's records (schools, groups, applications, visits...),
    kept apart from Wagtail's shared model log so it can be scoped per object."""

    object_id = models.CharField(max_length=255, db_index=True)

    objects = HubLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = "hub log entry"
        verbose_name_plural = "hub log entries"
