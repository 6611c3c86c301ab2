"""The signed-in user's own account page and sign-out, as Wagtail's with two rules added.

Names and email addresses: a name is how colleagues, and the hub's emails, know who
did what, so a school leader who renamed themselves "Hana Lead", or took the hub
lead's address, could pass as staff. Wagtail lets everyone change both under
Account > "Name and Email". Here only the people who vouch for who is who may change
their own (superusers, anyone allowed to change users, and members of the groups in
``settings.OWN_NAME_AND_EMAIL_GROUPS``: the hub leads); everyone else sees theirs,
with a sentence telling them to ask the hub lead. Whoever sets an address, here or
in Wagtail's user screens, gets it refused if another account holds it
(``User.validate_unique``).

Signing out: Wagtail's ``LogoutView`` signs out only on POST (Django's CSRF check
runs first), but whatever the method it deletes the session cookie on the way out,
so a plain link to ``/admin/logout/``, or an image pointing at it, would sign the
visitor out of the browser. Here a GET only shows a button that posts.

Wagtail builds the account page from a fixed list of panels (no hook replaces the
name and email one) and its admin URLconf offers no way to swap a view, so
``cms/urls.py`` routes both addresses to these subclasses ahead of Wagtail's
admin URLs, wrapped as Wagtail wraps its own (:func:`admin_view`).
"""

from functools import cached_property

from django import forms
from django.conf import settings
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.generic import View

from wagtail.admin.auth import require_admin_access
from wagtail.admin.forms.account import NameEmailForm
from wagtail.admin.views import account as wagtail_account
from wagtail.users.utils import change_user_perm


def may_change_own_name_and_email(user) -> bool:
    """Whether ``user`` may change their own name and email address in their account.

    Superusers, whoever may change users anyway, and members of the groups named in
    ``OWN_NAME_AND_EMAIL_GROUPS`` (names, so ``cms`` needs no import of ``workflows``).
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.has_perm(change_user_perm):
        return True
    return user.groups.filter(name__in=settings.OWN_NAME_AND_EMAIL_GROUPS).exists()


class FixedNameEmailForm(forms.Form):
    """The name and email panel's form for everyone else: no fields, so nothing posted counts.

    The panel shows the name and address as text instead (a disabled input can
    still be re-enabled in the browser, and reads badly to screen readers).
    """

    def __init__(self, *args, instance, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance

    def save(self, commit=True):
        return self.instance


class NameEmailPanel(wagtail_account.NameEmailSettingsPanel):
    """Wagtail's "Name and Email" panel: the usual form for those who may, text for the rest."""

    template_name = "users/account/name_email_panel.html"

    @cached_property
    def may_change(self) -> bool:
        return may_change_own_name_and_email(self.user)

    @property
    def form_class(self):
        return NameEmailForm if self.may_change else FixedNameEmailForm

    def get_context_data(self):
        return {
            **super().get_context_data(),
            "may_change": self.may_change,
            "account_user": self.user,
            "shows_email": wagtail_account.email_management_enabled(),
        }


class AccountView(wagtail_account.AccountView):
    """Wagtail's account page with :class:`NameEmailPanel` in place of its own."""

    def get_panels(self):
        return [
            NameEmailPanel(self.request, panel.user, panel.profile)
            if type(panel) is wagtail_account.NameEmailSettingsPanel
            else panel
            for panel in super().get_panels()
        ]


class LogoutView(wagtail_account.LogoutView):
    """Sign out on POST only; any other request leaves the session and its cookie alone."""

    http_method_names = ["get", "head", "post", "options"]

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            # Django's LogoutView (CSRF-protected) signs out; Wagtail drops the cookie.
            return super().dispatch(request, *args, **kwargs)
        # Past both, to plain View: their dispatch would drop the cookie for any method.
        return View.dispatch(self, request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return TemplateResponse(
            request,
            "users/account/sign_out.html",
            {"page_title": "Sign out", "header_title": "Sign out", "header_icon": "logout"},
        )


def admin_view(view):
    """Wrap ``view`` as Wagtail wraps its admin URLs: admin access required, never cached."""
    return never_cache(require_admin_access(view))
