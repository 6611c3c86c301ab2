"""Calendars of Work Group meetings and support visits (#15, part 5).

* :mod:`.ical`: one iCalendar event per meeting or visit, built with ``icalendar``;
* :mod:`.invitations`: who is invited, and the emails sent when the admin creates,
  changes or deletes a meeting or visit (Wagtail's create/edit/delete actions);
* :mod:`.views`: "Download invitation", "My calendar" and the private feed;
* :mod:`.panels`: a school leader's dashboard panel of their teachers' meetings.

Who sees which event is decided by :class:`workflows.permissions.Scope`, as everywhere.
"""
