"""Models of the PD domain, split by concern; import them from ``workflows.models``."""

from .action_plans import (
    Action,
    ActionPlan,
    FocusArea,
    PlanReview,
    Priority,
    ProgressNote,
    ReminderLog,
    ReviewEntry,
)
from .applications import Application, ApplicationParticipant
from .audit import HubLogEntry
from .groups import Enrolment, Participant, WorkGroup
from .meetings import Attendance, Meeting, Visit
from .schools import School

__all__ = [
    "Action",
    "ActionPlan",
    "Application",
    "ApplicationParticipant",
    "Attendance",
    "Enrolment",
    "FocusArea",
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
