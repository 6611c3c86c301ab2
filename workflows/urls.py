"""URLs of the PD domain's own views; ``cms/urls.py`` includes them before Wagtail's pages.

Programme pages link here by name only (``workflows:apply``,
``workflows:work_group_finder``), so ``programmes`` never imports ``workflows``.
"""

from django.urls import path

from workflows.applications import offer_views
from workflows.applications import public_views as public
from workflows.calendars import views as calendars
from workflows.finder import views as finder

app_name = "workflows"

urlpatterns = [
    path("apply/<int:programme_id>/", public.apply, name="apply"),
    path("apply/done/<str:reference>/", public.application_done, name="application_done"),
    path("schools/search/", public.school_search, name="school_search"),
    # A school answers its offer through the signed link in the email: the token only.
    path("offers/<str:token>/", offer_views.offer, name="offer"),
    path(
        "programmes/<int:programme_id>/work-groups/",
        public.work_group_finder,
        name="work_group_finder",
    ),
    # A user's private calendar feed: the token is the only credential (calendars.views).
    path("calendar/<str:token>.ics", calendars.feed, name="calendar_feed"),
    # Every programme's groups, searchable by postcode or town (home page and navigation).
    path("work-groups/", finder.finder, name="finder"),
]
