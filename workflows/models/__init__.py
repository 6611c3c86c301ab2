"""Models of the PD domain, split by concern; import them from ``workflows.models``."""

from .applications import Application, ApplicationParticipant
from .groups import Enrolment, Participant, WorkGroup
from .meetings import Attendance, Meeting, Visit
from .schools import School

__all__ = [
    "Application",
    "ApplicationParticipant",
    "Attendance",
    "Enrolment",
    "Meeting",
    "Participant",
    "School",
    "Visit",
    "WorkGroup",
]
