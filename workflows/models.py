"""Every model of the PD domain, each defined in its feature's package; import them from here.

Django loads an app's models from this module. ``__all__`` lists the PD records:
``WorkflowsConfig.ready`` gives each one scoped permission policy, and the admin
scoping treats them as the PD models.
"""

from workflows.applications.models import Application, ApplicationParticipant
from workflows.audit.models import HubLogEntry
from workflows.calendars.models import CalendarFeed  # noqa: F401  (a user's own, not a PD record)
from workflows.groups.models import Enrolment, GroupMessage, Participant, WorkGroup
from workflows.meetings.models import Attendance, Meeting, Visit
from workflows.plans.models import (
    Action,
    ActionEvidence,
    ActionPlan,
    CriterionProgress,
    FocusArea,
    PlanReview,
    Priority,
    ProgressNote,
    ReminderLog,
    ReviewEntry,
)

# Personal-data housekeeping (a setting, a page, a mark): importable from here, but
# not PD records, so left out of ``__all__``.
from workflows.privacy.models import AnonymisedAccount, PrivacyNoticePage, RetentionPolicy  # noqa: F401
from workflows.schools.models import School

__all__ = [
    "Action",
    "ActionEvidence",
    "ActionPlan",
    "Application",
    "ApplicationParticipant",
    "Attendance",
    "CriterionProgress",
    "Enrolment",
    "FocusArea",
    "GroupMessage",
    "HubLogEntry",
    "Meeting",
    "Participant",
    "PlanReview",
    "Priority",
    "ProgressNote",
    "ReminderLog",
    "ReviewEntry",
    "School",
    "Visit",
    "WorkGroup",
]
