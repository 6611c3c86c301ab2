"""Sign-in lockouts: what a hub lead sees and lifts when someone is locked out.

django-axes locks a username out from one address after too many wrong passwords
(the rule and its reasons are in ``cms/settings/base.py``). A teacher who has
typed an old password five times should not have to wait half an hour while a
hub meeting starts, so hub leads (and superusers) get this page in the admin
(Settings, then "Sign-in lockouts"): the pairs of username and address locked
out now, and an "Unlock" button for each.

Each unlock removes axes' failed-attempt records of that pair and is logged
twice: a Wagtail log entry ("Sign-in unlocked", by whom, for which username and
address), listed at the foot of the page, and a warning on the
``workflows.accounts.lockouts`` logger for the server's logs.

The page lives in ``workflows`` (not ``cms``) because who is a hub lead is
``workflows.permissions.is_hub_lead``.
"""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Max, Sum
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt

from workflows.shared.scoping import HubLeadPageMixin

logger = logging.getLogger(__name__)

UNLOCK_ACTION = "workflows.unlock_sign_in"
RECENT_UNLOCKS = 20


def current_lockouts(request) -> list[dict]:
    """Return the locked-out (username, address) pairs, latest first.

    Axes keeps one record per username, address and browser; a pair is locked
    when its records' failures add up to the limit and the latest came within
    the cool-off period. One query, grouped by the pair.
    """
    limit = get_failure_limit(request, None)
    cool_off = get_cool_off(request)  # None: locked until someone unlocks
    pairs = (
        AccessAttempt.objects.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last_attempt", "username", "ip_address")
    )
    if cool_off:
        pairs = pairs.filter(last_attempt__gte=timezone.now() - cool_off)
    lockouts = [
        {**pair, "locked_until": pair["last_attempt"] + cool_off if cool_off else None}
        for pair in pairs
    ]
    names = {
        user.username: user.get_full_name()
        for user in get_user_model().objects.filter(
            username__in={pair["username"] for pair in lockouts if pair["username"]}
        )
    }
    for lockout in lockouts:
        lockout["full_name"] = names.get(lockout["username"], "")
        lockout["known_user"] = lockout["username"] in names
    return lockouts


def unlock(request, username: str, ip_address: str) -> int:
    """Remove the failed attempts of one pair; log who did it. Return how many went."""
    attempts = AccessAttempt.objects.filter(username=username)
    if ip_address:
        attempts = attempts.filter(ip_address=ip_address)
    else:
        attempts = attempts.filter(ip_address__isnull=True)
    latest = attempts.order_by("-attempt_time", "-pk").first()
    if latest is None:
        return 0
    failures = sum(attempts.values_list("failures_since_start", flat=True))
    log(
        instance=latest,
        action=UNLOCK_ACTION,
        user=request.user,
        title=f"{username} from {ip_address or 'an unknown address'}",
        data={"username": username, "ip_address": ip_address, "failures": failures},
    )
    count, _ = attempts.delete()
    logger.warning(
        "Sign-in unlocked by %s for username %r from %s after %d failed attempts",
        request.user.get_username(),
        username,
        ip_address or "an unknown address",
        failures,
    )
    return count


class LockoutsView(HubLeadPageMixin, TemplateView):
    """List current lockouts (GET) and lift one (POST ``username`` and ``ip_address``)."""

    template_name = "workflows/accounts/lockouts.html"
    page_title = "Sign-in lockouts"
    header_icon = "lock-open"
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cool_off = get_cool_off(self.request)
        context["lockouts"] = current_lockouts(self.request)
        context["failure_limit"] = get_failure_limit(self.request, None)
        context["cooloff_minutes"] = int(cool_off.total_seconds() // 60) if cool_off else None
        context["recent_unlocks"] = (
            ModelLogEntry.objects.filter(action=UNLOCK_ACTION)
            .select_related("user")
            .order_by("-timestamp", "-pk")[:RECENT_UNLOCKS]
        )
        return context

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        ip_address = request.POST.get("ip_address", "")
        if not username:
            messages.error(request, "Choose a lockout to lift.")
        elif unlock(request, username, ip_address):
            messages.success(
                request,
                f"{username} can sign in again from {ip_address or 'that address'}.",
            )
        else:
            messages.warning(
                request,
                f"Nothing to unlock for {username}: the lockout had ended or was lifted already.",
            )
        return redirect("login_lockouts:index")
