"""Wagtail hooks of accounts (imported by ``workflows.wagtail_hooks``).

* ``register_admin_urls`` and ``register_settings_menu_item``: the sign-in
  lockouts page for hub leads (:mod:`workflows.accounts.lockouts`).
* ``register_log_actions``: the "Sign-in unlocked" entry those unlocks log.
"""

from django.urls import include, path, reverse

from wagtail import hooks

from workflows.accounts import lockouts
from workflows.shared.menu import HubLeadMenuItem


@hooks.register("register_admin_urls")
def register_lockout_urls():
    urls = [path("", lockouts.LockoutsView.as_view(), name="index")]
    return [path("login-lockouts/", include((urls, "login_lockouts"), namespace="login_lockouts"))]


@hooks.register("register_settings_menu_item")
def lockouts_menu_item():
    return HubLeadMenuItem(
        "Sign-in lockouts",
        reverse("login_lockouts:index"),
        name="sign-in-lockouts",
        icon_name="lock-open",
        order=610,
    )


@hooks.register("register_log_actions")
def register_unlock_action(actions):
    actions.register_action(lockouts.UNLOCK_ACTION, "Unlock sign-in", "Sign-in unlocked")
