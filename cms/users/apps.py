from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "cms.users"
    label = "users"
    verbose_name = "Users"
