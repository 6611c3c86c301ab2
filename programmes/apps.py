from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    """Programme pages, the journey towards mastery and video testimonials."""

    name = "programmes"
    verbose_name = "Programmes"
