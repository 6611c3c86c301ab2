from django.contrib.auth.models import AbstractUser


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
