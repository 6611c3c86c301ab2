from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError

EMAIL_IN_USE = (
    "Another account already uses this email address. Each person needs an address "
    "of their own: check for a typing mistake, or ask the hub lead if the address is yours."
)


class User(AbstractUser):
    """The site's user, custom from the first migration.

    Kept as Django's ``AbstractUser`` so Wagtail's user screens work unchanged;
    roles (hub lead, specialist, school leader) are Wagtail groups, and the links
    from a person to their schools and Work Groups live in ``workflows``.
    """

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def validate_unique(self, exclude=None):
        """Also refuse an email address another account holds, whatever its capitals.

        An address is how the hub's emails, password resets and colleagues tell
        people apart, so no one may take someone else's (``Hana.Lead@...`` is
        ``hana.lead@...``). Checked here rather than in each form because every
        model form of a user runs it: Wagtail's add and edit user screens and the
        account settings alike (``cms/users/account.py``). Not a database
        constraint: addresses shared before this rule would stop the migration,
        and sorting those out is the hub lead's call.
        """
        errors = {}
        try:
            super().validate_unique(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.email and "email" not in (exclude or ()) and "email" not in errors:
            others = type(self)._default_manager.filter(email__iexact=self.email)
            if self.pk is not None:
                others = others.exclude(pk=self.pk)
            if others.exists():
                errors["email"] = [ValidationError(EMAIL_IN_USE, code="email_in_use")]
        if errors:
            raise ValidationError(errors)
