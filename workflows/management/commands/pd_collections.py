"""Create the private "PD attachments" collections of schools in the programme.

Run after a new intake is placed, so the hub lead can file each school's visit
notes and plans in its own private collection (see ``workflows.documents.private``).
Safe to run again: existing collections are kept, renamed schools keep theirs.
"""

from django.core.management.base import BaseCommand, CommandError

from wagtail.models import Collection

from workflows.documents.private import pd_root, school_collection, urn_of
from workflows.models import School


class Command(BaseCommand):
    help = (
        "Create the private PD attachments collection of every school enrolled in a Work "
        "Group (or of the schools given by URN). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "urns", nargs="*", type=int, help="Only these schools (URNs), enrolled or not."
        )

    def handle(self, *args, urns, **options):
        if urns:
            schools = School.objects.filter(urn__in=urns).order_by("urn")
            missing = set(urns) - set(schools.values_list("urn", flat=True))
            if missing:
                raise CommandError(
                    f"No school has URN {', '.join(str(u) for u in sorted(missing))}."
                )
        else:
            schools = School.objects.filter(enrolments__isnull=False).distinct().order_by("urn")
        root = pd_root()
        existing = (
            {urn_of(c) for c in Collection.objects.filter(path__startswith=root.path)}
            if root
            else set()
        )
        created = 0
        for school in schools:
            collection = school_collection(school)
            if school.urn not in existing:
                created += 1
                self.stdout.write(f"Created {collection.name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{created} collection(s) created; {schools.count() - created} already there."
            )
        )
