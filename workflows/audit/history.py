"""Which hub records log into :class:`~workflows.audit.models.HubLogEntry`.

Action plans have their own scoped log (``ActionPlanLogEntry``); every other
record the hub edits in the admin logs here, so the site history report and each
object's history show a user only what they may see.
"""

from wagtail import hooks

from workflows.audit.models import HubLogEntry
from workflows.models import (
    Application,
    Enrolment,
    Meeting,
    Participant,
    School,
    Visit,
    WorkGroup,
)

LOGGED_MODELS = (School, WorkGroup, Enrolment, Participant, Application, Meeting, Visit)


@hooks.register("register_log_actions")
def register_hub_log_model(actions):
    for model in LOGGED_MODELS:
        actions.register_model(model, HubLogEntry)
