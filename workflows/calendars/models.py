import secrets

from django.conf import settings
from django.db import models


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's private iCalendar feed address of the meetings and visits they attend or lead.

    The token in the address is the only credential a calendar app can send, so it
    is long, random and revocable: replacing it ends every subscription at once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        help_text="Whose meetings and visits the feed lists.",
    )
    token = models.CharField(
        max_length=64,
        unique=True,
        default=new_feed_token,
        editable=False,
        help_text="The secret part of the feed's address.",
    )
    created_at = models.DateTimeField(
        auto_now_add=True, help_text="When this address was made; an older one no longer works."
    )

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
