"""Wagtail autoloads this module; each feature of the PD admin registers its own hooks."""

from workflows.accounts import wagtail_hooks as _account_hooks  # noqa: F401
from workflows.applications import offer_hooks as _offer_hooks  # noqa: F401
from workflows.applications import placement_hooks as _placement_hooks  # noqa: F401
from workflows.calendars import wagtail_hooks as _calendar_hooks  # noqa: F401
from workflows.documents import wagtail_hooks as _document_hooks  # noqa: F401
from workflows.groups import wagtail_hooks as _group_hooks  # noqa: F401
from workflows.plans import wagtail_hooks as _plan_hooks  # noqa: F401
from workflows.privacy import wagtail_hooks as _privacy_hooks  # noqa: F401
from workflows.shared import menu as _menu_hooks  # noqa: F401
