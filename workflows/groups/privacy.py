"""What the retention purge does to messages sent to Work Groups.

A message's subject and text may name anyone, and its recipients are people:
both are kept as long as the participants themselves (``participation_months``
of the retention policy), counted from the day it was sent, then cleared. What
counts stays: the group, who sent it, when, and to how many people.

A participant anonymised (or deleted) on their own leaves every message's
recipients at once, so no message keeps pointing at them.
"""

from workflows.models import GroupMessage
from workflows.privacy.policy import MARKER, cutoff_datetime

SETTING = "participation_months"
Recipients = GroupMessage.recipients.through
CHUNK = 500  # ids per ``IN (...)``, as the purge's own


def due_group_messages(policy, now):
    """Messages sent before the cut-off whose words and recipients are still held."""
    cutoff = cutoff_datetime(now, getattr(policy, SETTING))
    return GroupMessage.objects.filter(anonymised_at__isnull=True, sent_at__lt=cutoff)


def anonymised_group_messages():
    return GroupMessage.objects.filter(anonymised_at__isnull=False)


def anonymise_group_messages(ids, now) -> None:
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        Recipients.objects.filter(groupmessage_id__in=chunk).delete()
        GroupMessage.objects.filter(pk__in=chunk).update(
            subject=MARKER, body=MARKER, anonymised_at=now
        )


def forget_recipients(participant_ids) -> None:
    """Take these participants off every message's recipients (their own purge)."""
    Recipients.objects.filter(participant_id__in=participant_ids).delete()
