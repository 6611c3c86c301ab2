"""Calendar views: "Download invitation", "My calendar" and the private feed.

* ``pd_meetings:invitation`` / ``pd_visits:invitation``: the ``.ics`` of one
  meeting or visit, built as its viewset's own view, so ``ScopedView`` answers
  404 for a record outside the user's scope before anything loads; the role
  must also be allowed to see meetings or visits at all (the scoped policy).
* "My calendar" (``pd_calendar:mine``): the user's private feed address, made,
  replaced (the old one stops working at once) or turned off, each confirmed.
* ``/calendar/<token>.ics`` (``workflows:calendar_feed``): no login, only the
  token; unknown or replaced token, or an inactive account: 404. It lists what
  :meth:`Scope.own <workflows.permissions.Scope.own>` lets the user take part in.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import policy_registry

from workflows.calendars import ical
from workflows.calendars.models import new_feed_token
from workflows.calendars.taking_part import own_meetings
from workflows.models import CalendarFeed, Meeting, Visit
from workflows.permissions import Scope, is_hub_lead, is_school_leader, is_specialist, visible

#: How far back a feed goes: this year's and last year's entries, not every year's.
FEED_PAST = timedelta(days=400)

SELECT_RELATED = {
    Meeting: ("work_group__lead_specialist", "host_school"),
    Visit: ("school", "work_group", "specialist"),
}


def ics_response(content: bytes, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Private to its reader: never kept by a shared cache, never indexed.
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def filename_of(obj) -> str:
    if isinstance(obj, Visit):
        stem = f"visit {obj.school.name} {obj.visited_on:%Y-%m-%d}"
    else:
        stem = f"{obj.work_group.code} meeting {timezone.localdate(obj.starts_at):%Y-%m-%d}"
    return f"{slugify(stem)}.ics"


class InvitationDownloadView(View):
    """The ``.ics`` of one meeting or visit, for someone who may see it in the admin."""

    model = None

    def get(self, request, pk):
        policy = policy_registry.get_by_type(self.model)
        if not policy.user_has_any_permission(request.user, ["view", "change"]):
            raise Http404("No such record.")
        queryset = self.model._default_manager.select_related(*SELECT_RELATED[self.model])
        obj = get_object_or_404(visible(request.user, queryset), pk=pk)
        return ics_response(ical.download(obj), filename_of(obj))


def invitation_url(obj) -> str:
    name = "pd_visits" if isinstance(obj, Visit) else "pd_meetings"
    return reverse(f"{name}:invitation", args=[obj.pk])


def feed_entries(user, now=None):
    """The meetings and visits of ``user``'s feed: two queries, whatever their number."""
    scope = Scope.own(user)
    since = (now or timezone.now()) - FEED_PAST
    meetings = own_meetings(user, Meeting.objects.filter(starts_at__gte=since))
    visits = scope.filter(Visit.objects.filter(visited_on__gte=since.date()))
    return (
        list(meetings.select_related(*SELECT_RELATED[Meeting]).order_by("starts_at", "pk")),
        list(visits.select_related(*SELECT_RELATED[Visit]).order_by("visited_on", "pk")),
    )


def feed(request, token):
    """``/calendar/<token>.ics``: a user's meetings and visits, for their calendar app."""
    entry = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if entry is None:
        raise Http404("No such calendar.")
    meetings, visits = feed_entries(entry.user)
    events = [ical.event(obj, stamp=obj.updated_at) for obj in [*meetings, *visits]]
    calendar = ical.calendar(events, method=ical.PUBLISH, name="Maths Hub: meetings and visits")
    return ics_response(calendar.to_ical())


def feed_url(token: str) -> str:
    """The absolute address of a feed, from ``WAGTAILADMIN_BASE_URL``."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "workflows:calendar_feed", args=[token]
    )


def has_pd_role(user) -> bool:
    return is_hub_lead(user) or is_specialist(user) or is_school_leader(user)


class MyCalendarView(WagtailAdminTemplateMixin, TemplateView):
    """The user's own feed address: turn on, make a new address, turn off (confirmed)."""

    template_name = "workflows/calendars/my_calendar.html"
    page_title = "My calendar"
    header_icon = "date"
    CONFIRMS = {"new": "new_address", "off": "turn_off"}

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not has_pd_role(request.user):
            raise PermissionDenied
        self.feed = CalendarFeed.objects.filter(user=request.user).first()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        confirm = self.request.GET.get("confirm")
        context.update(
            feed=self.feed,
            address=feed_url(self.feed.token) if self.feed else "",
            version=self.feed.created_at.isoformat() if self.feed else "",
            confirm=self.CONFIRMS.get(confirm) if self.feed else None,
            leads_groups=is_hub_lead(self.request.user),
            self_url=reverse("pd_calendar:mine"),
        )
        return context

    def post(self, request):
        action = request.POST.get("action")
        if action == "turn_on":
            _, created = CalendarFeed.objects.get_or_create(user=request.user)
            messages.success(
                request,
                "Your calendar address is ready: add it to your calendar app."
                if created
                else "Your calendar address was already on: it is below.",
            )
        elif action in ("new_address", "turn_off"):
            self.replace_or_remove(action)
        else:
            messages.error(request, "That was not a choice on this page: nothing changed.")
        return redirect("pd_calendar:mine")

    def current(self):
        """The feed as the posted form saw it, or none (replaced or removed since)."""
        try:
            loaded = datetime.fromisoformat(self.request.POST.get("version", ""))
        except ValueError:
            return CalendarFeed.objects.none()
        return CalendarFeed.objects.filter(Q(user=self.request.user), created_at=loaded)

    def replace_or_remove(self, action):
        """Replace or remove the address the page showed, once (a double click does nothing more)."""
        request = self.request
        current = self.current()
        if action == "new_address":
            done = current.update(token=new_feed_token(), created_at=timezone.now())
            success = (
                "Your calendar has a new address. The old one no longer works: "
                "add the new one to your calendar app."
            )
        else:
            done, _ = current.delete()
            success = "Your calendar address is turned off: calendars using it get nothing more."
        if done:
            messages.success(request, success)
        else:
            messages.warning(
                request, "Your calendar address had already changed: nothing more was done."
            )
