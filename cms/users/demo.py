"""Demo users, one for every role, all with the shared demo password."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

DEMO_USERS = [
    # username, first name, last name, superuser
    ("admin", "Ada", "Admin", True),
    ("editor", "Eddie", "Editor", False),
    ("hublead", "Hana", "Lead", False),
    ("specialist", "Sam", "Specialist", False),
    ("specialist2", "Priya", "Specialist", False),
    ("head", "Helen", "Head", False),
    ("head2", "Hugo", "Head", False),
]


def load(stdout):
    """Create the demo users that are missing; never touch existing ones."""
    from cms.management.commands.load_demo import DEMO_PASSWORD

    User = get_user_model()
    for username, first, last, superuser in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@mathshub.example",
            is_staff=superuser,
            is_superuser=superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        if username == "editor":
            # Wagtail's own "Editors" group: pages, images, documents, snippets.
            user.groups.add(Group.objects.get(name="Editors"))
        stdout.write(f"Created demo user {username}")
