from django.apps import AppConfig


class CmsConfig(AppConfig):
    """The project package as an app, for its templates, static files and commands."""

    name = "cms"
    verbose_name = "Maths Hub site"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from cms.pagecache import connect_signals
        from cms.security import mark_session_fresh

        connect_signals()
        # A new sign-in starts the session's inactivity window (cms.security).
        user_logged_in.connect(mark_session_fresh, dispatch_uid="cms-session-fresh")
