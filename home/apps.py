from django.apps import AppConfig


class HomeConfig(AppConfig):
    """Home page and site-wide parts: navigation, footer, search, shared blocks."""

    name = "home"
    verbose_name = "Home and site-wide content"
