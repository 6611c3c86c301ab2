"""Demo data of the PD domain: which demo user holds which role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from workflows import roles

DEMO_ROLES = {
    "hublead": roles.HUB_LEADS,
    "specialist": roles.SPECIALISTS,
    "specialist2": roles.SPECIALISTS,
    "head": roles.SCHOOL_LEADERS,
    "head2": roles.SCHOOL_LEADERS,
}


def load(stdout):
    """Put each demo user in their role's group (adding is idempotent)."""
    User = get_user_model()
    for username, role in DEMO_ROLES.items():
        user = User.objects.filter(username=username).first()
        if user is not None:
            user.groups.add(Group.objects.get(name=role))
