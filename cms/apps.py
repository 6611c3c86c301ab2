from django.apps import AppConfig


class CmsConfig(AppConfig):
    """The project package as an app, for its templates, static files and commands."""

    name = "cms"
    verbose_name = "Maths Hub site"

    def ready(self):
        from cms.pagecache import connect_signals

        connect_signals()
