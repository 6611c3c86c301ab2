"""Names in the application's history for what happens to an offer without the hub.

The school's own answers are the ``accept`` and ``withdraw`` decisions, named by
their formatter (``workflows.shared.menu``) when logged ``online``; the
chase and the lapse have their own actions, registered here.
"""

from wagtail import hooks
from wagtail.log_actions import LogFormatter

from workflows.applications.decisions import LAPSE
from workflows.applications.offers import CHASED


def _offer_formatter(label_text):
    class OfferFormatter(LogFormatter):
        label = label_text

        def format_message(self, log_entry):
            group = (log_entry.data or {}).get("work_group")
            return label_text + (f" ({group})" if group else "")

    return OfferFormatter


@hooks.register("register_log_actions")
def register_offer_log_actions(actions):
    actions.register_action(CHASED)(_offer_formatter("Offer chased"))
    actions.register_action(f"workflows.{LAPSE.name}")(_offer_formatter("Offer lapsed"))
