"""Wagtail autoloads this module; each area of the PD admin registers its own hooks."""

from workflows import security_hooks as _security_hooks  # noqa: F401
from workflows.admin import wagtail_hooks as _hub_admin_hooks  # noqa: F401
from workflows.applications import offer_hooks as _offer_hooks  # noqa: F401
from workflows.applications import placement_hooks as _placement_hooks  # noqa: F401
from workflows.calendars import wagtail_hooks as _calendar_hooks  # noqa: F401
from workflows.groups import wagtail_hooks as _group_hooks  # noqa: F401
from workflows.plans import wagtail_hooks as _plan_hooks  # noqa: F401
from workflows.privacy import wagtail_hooks as _privacy_hooks  # noqa: F401
