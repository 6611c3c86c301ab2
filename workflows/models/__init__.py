"""Models of the PD domain, split by concern; import them from ``workflows.models``."""

from .action_plans import (
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
from .applications import Application, ApplicationParticipant
from .audit import HubLogEntry
from .calendars import CalendarFeed  # noqa: F401  (a user's own, not a PD record)
from .groups import Enrolment, Participant, WorkGroup
from .meetings import Attendance, Meeting, Visit
from .messages import GroupMessage

# Personal-data housekeeping (a setting, a page, a mark): importable from here, but
# not PD records, so left out of ``__all__``, which ``WorkflowsConfig.ready`` (one
# scoped permission policy each) and the admin scoping treat as the PD models.
from .privacy import AnonymisedAccount, PrivacyNoticePage, RetentionPolicy  # noqa: F401
from .schools import School

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
