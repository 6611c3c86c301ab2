"""Every admin URL of ours, for every role, refuses what lies outside that role's scope.

The team's safety net for the one access rule (``workflows.permissions``): the URLs
are not listed by hand but read from Django's URL resolver, so a new admin URL of
a PD model, a snippet of ours or a report is walked as soon as it is registered.
Each URL pattern must match a rule below (which model its namespace serves, what
kind of view its name is); a pattern without one fails the test with its name.

For each role the demo hub has two sides: Leeds (``DEV-26-LDS``, led by
``specialist``; ``head`` leads 990101) and Bradford (``EMB-26-BFD``, led by
``specialist2``; ``head2`` leads 990201). Every URL naming one object is filled
with an object from the side the role may not see (and, for a school leader,
also with one of a sibling school in their own group) and must answer 403, 404
or Wagtail's redirect to the dashboard, to GET and (for views that change
things) to an empty POST, with nothing changed. Listings, reports, exports,
choosers and forms may answer 200, but must not name anything of the other side;
and each listing must name something of the role's own side to the roles that
should see it, so a listing that shows nothing to anyone fails too. And every
object URL the walk builds is reached by someone whose scope holds the object:
proof that the URLs point at real objects, so each refusal is the scope's doing.

Run with ``-s`` to print how many patterns and URLs were walked.
"""

import html
import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.log_actions import log
from wagtail.models import TaskState, WorkflowState

import pytest
from axes.models import AccessAttempt

from programmes.models import VideoTestimonial
from tests.workflows import hubdata
from workflows.documents.private import school_collection
from workflows.models import (
    ActionPlan,
    Application,
    CalendarFeed,
    Enrolment,
    FocusArea,
    GroupMessage,
    Meeting,
    Participant,
    RetentionPolicy,
    School,
    Visit,
    WorkGroup,
)

pytestmark = pytest.mark.django_db

Document = get_document_model()
Image = get_image_model()

# --- Which patterns are ours -------------------------------------------------------

OUR_APPS = ("workflows", "programmes", "home", "cms")

# Namespace -> the model its object URLs name.
NAMESPACE_MODELS = {
    "pd_personal_data": RetentionPolicy,
    "pd_applications": Application,
    "pd_workgroups": WorkGroup,
    "pd_enrolments": Enrolment,
    "pd_participants": Participant,
    "pd_meetings": Meeting,
    "pd_visits": Visit,
    "pd_school_chooser": School,
    "pd_schools": School,
    "wagtailsnippets_workflows_actionplan": ActionPlan,
    "wagtailsnippetchoosers_workflows_actionplan": ActionPlan,
    "wagtailsnippets_workflows_focusarea": FocusArea,
    "wagtailsnippetchoosers_workflows_focusarea": FocusArea,
    "wagtailsnippets_programmes_videotestimonial": VideoTestimonial,
    "wagtailsnippetchoosers_programmes_videotestimonial": VideoTestimonial,
    # The admin API's documents endpoint, replaced by a scoped one (workflows.documents.private).
    "wagtailadmin_api:documents": Document,
    # ... and its images endpoint (workflows.accounts.wagtail_hooks).
    "wagtailadmin_api:images": Image,
    # The hub lead's sign-in lockouts page (workflows.accounts.lockouts): a listing, no object URL.
    "login_lockouts": AccessAttempt,
    # A user's own calendar address (workflows.calendars): a form, no object URL.
    "pd_calendar": CalendarFeed,
    # Messages sent to a Work Group (workflows.groups): read, never edited.
    "pd_group_messages": GroupMessage,
}

# Wagtail's own URLs that show or reach our records: reports, search, dashboard,
# and the generic ones addressed by app label and model name.
GENERIC_NAMES = {
    "wagtailadmin_home": "listing",
    "wagtailadmin_pages:search": "listing",
    "wagtailadmin_pages:search_results": "listing",
    "wagtailadmin_reports:site_history": "listing",
    "wagtailadmin_reports:site_history_results": "listing",
    "wagtailadmin_reports:workflow": "listing",
    "wagtailadmin_reports:workflow_results": "listing",
    "wagtailadmin_reports:workflow_tasks": "listing",
    "wagtailadmin_reports:workflow_tasks_results": "listing",
    "wagtail_bulk_action": "bulk",
    "wagtailadmin_editing_sessions:ping": "ping",
}

# --- What kind of view each URL name is ------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How a view is checked: which methods, and whether a 200 may stand for "nothing"."""

    post: bool = False  # an empty POST must be refused too, changing nothing
    get: bool = True  # GET is refused (False: POST-only, GET answers 405)
    listing: bool = False  # no object in the URL: 200 allowed, without foreign text
    query_ids: bool = False  # the objects come as ``?id=`` (bulk, chosen-multiple)


LISTING = Kind(listing=True)
VIEW = Kind()
CHANGE = Kind(post=True)

KINDS = {
    # listings, exports, choosers, reports and forms without an object
    "list": LISTING,
    "list_results": LISTING,
    "index": LISTING,
    "index_results": LISTING,
    "choose": LISTING,
    "choose_results": LISTING,
    "export_actions": LISTING,
    "placement": LISTING,
    "add": LISTING,
    "create": LISTING,
    "listing": LISTING,
    "export": LISTING,
    "mine": LISTING,
    # one object in the URL
    "inspect": VIEW,
    "history": VIEW,
    "history_results": VIEW,
    "usage": VIEW,
    "chosen": VIEW,
    "revisions_compare": VIEW,
    "workflow_history": VIEW,
    "workflow_history_detail": VIEW,
    "print": VIEW,
    "work_group": VIEW,
    "confirm_workflow_cancellation": VIEW,
    "edit": CHANGE,
    "delete": CHANGE,
    "copy": CHANGE,
    "revisions_revert": CHANGE,
    "revisions_unschedule": CHANGE,
    "unpublish": CHANGE,
    "lock": CHANGE,
    "unlock": CHANGE,
    "workflow_action": CHANGE,
    "collect_workflow_action_data": CHANGE,
    "review": CHANGE,
    "track": CHANGE,
    "register": CHANGE,
    "message": CHANGE,
    "invitation": VIEW,
    "carry_over": CHANGE,
    "chosen_multiple": Kind(query_ids=True),
    "detail": VIEW,
    "find": Kind(query_ids=True),
    "bulk": Kind(post=True, query_ids=True),
    "ping": Kind(post=True, get=False),
}

# The generic URLs addressed by model: which of our models to address them with.
MODELS_BY_GENERIC = {
    "bulk": [ActionPlan],
    "ping": [ActionPlan, WorkGroup, Enrolment, Participant, Meeting, Visit, Application],
}

# --- The demo hub's two sides ----------------------------------------------------------

SIDES = {
    "LDS": {
        "group": "DEV-26-LDS",
        "group_name": "Leeds Development Work Group",
        "urn": 990101,
        "sibling": 990102,
        "urns": (990101, 990102, 990103, 990104, 990105, 990106),
    },
    "BFD": {
        "group": "EMB-26-BFD",
        "group_name": "Bradford Embedding Work Group",
        "urn": 990201,
        "sibling": 990202,
        "urns": (990201, 990202, 990203, 990204, 990205),
    },
}
OWN_SIDE = {"specialist": "LDS", "head": "LDS", "specialist2": "BFD", "head2": "BFD"}
ROLES = ["editor", "specialist", "specialist2", "head", "head2", "hublead"]
PD_ROLES = ["specialist", "specialist2", "head", "head2"]

# Listing -> roles that must find their own side's records in it.
EVERY_PD_ROLE = {"specialist", "specialist2", "head", "head2", "hublead"}
SPECIALISTS = {"specialist", "specialist2", "hublead"}
# School leaders hold no permission on groups, people, meetings or visits (0004).
POSITIVE = {
    "pd_workgroups:index": SPECIALISTS,
    "pd_workgroups:index_results": SPECIALISTS,
    "pd_enrolments:index": EVERY_PD_ROLE,
    "pd_enrolments:index_results": EVERY_PD_ROLE,
    "pd_participants:index": SPECIALISTS,
    "pd_participants:index_results": SPECIALISTS,
    "pd_meetings:index": SPECIALISTS,
    "pd_meetings:index_results": SPECIALISTS,
    "pd_visits:index": SPECIALISTS,
    "pd_visits:index_results": SPECIALISTS,
    "pd_applications:index": {"head", "head2", "hublead"},
    "pd_applications:index_results": {"head", "head2", "hublead"},
    "pd_applications:placement": {"hublead"},
    "pd_schools:index": EVERY_PD_ROLE,
    "pd_group_messages:index": EVERY_PD_ROLE,
    "pd_group_messages:index_results": EVERY_PD_ROLE,
    "pd_schools:index_results": EVERY_PD_ROLE,
    "pd_school_chooser:choose": EVERY_PD_ROLE,
    "pd_school_chooser:choose_results": EVERY_PD_ROLE,
    "wagtailsnippets_workflows_actionplan:list": EVERY_PD_ROLE,
    "wagtailsnippets_workflows_actionplan:list_results": EVERY_PD_ROLE,
    "wagtailsnippets_workflows_actionplan:export_actions": EVERY_PD_ROLE,
    "wagtailsnippetchoosers_workflows_actionplan:choose": EVERY_PD_ROLE,
    "wagtailsnippetchoosers_workflows_actionplan:choose_results": EVERY_PD_ROLE,
    "wagtailadmin_reports:site_history": EVERY_PD_ROLE,
    "wagtailadmin_reports:site_history_results": EVERY_PD_ROLE,
    # Wagtail's workflow reports need a page permission (add, change or publish):
    # no PD role has one, so only the editor reaches them, and must find no plan.
}
# The placement board shows one programme (so one of the demo groups) at a time.
ONE_PROGRAMME_AT_A_TIME = {"pd_applications:placement"}
# Listings also fetched as CSV exports (``?export=csv``).
EXPORTABLE = {
    "pd_workgroups:index",
    "pd_enrolments:index",
    "pd_participants:index",
    "pd_meetings:index",
    "pd_visits:index",
    "pd_applications:index",
    "pd_schools:index",
}


# --- Walking the resolver -----------------------------------------------------------


@dataclass
class Walked:
    route: str
    name: str  # namespaced URL name
    kwargs: tuple[str, ...]
    module: str
    model: type | None = None
    kind: Kind | None = None
    suffix: str = ""
    problems: list[str] = field(default_factory=list)


def _pattern_kwargs(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return tuple(getattr(pattern, "converters", {}))


def _walk(patterns, prefix="", namespace=None, kwargs=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(
                entry.url_patterns,
                prefix + str(entry.pattern),
                ns,
                kwargs + _pattern_kwargs(entry.pattern),
            )
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            view_class = getattr(callback, "view_class", None)
            module = (view_class or callback).__module__ or ""
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Walked(
                prefix + str(entry.pattern),
                name or "",
                kwargs + _pattern_kwargs(entry.pattern),
                module,
            )


def _namespace_and_suffix(name):
    if ":" in name:
        namespace, _, suffix = name.rpartition(":")
        return namespace, suffix
    return name, name


def our_admin_patterns() -> list[Walked]:
    """Every admin URL pattern of our apps or models, with its rule (or its problem)."""
    found = []
    for walked in _walk(get_resolver().url_patterns):
        if not walked.route.startswith("admin/"):
            continue
        namespace, suffix = _namespace_and_suffix(walked.name)
        ours = walked.module.startswith(OUR_APPS) or namespace in NAMESPACE_MODELS
        ours = (
            ours
            or namespace.startswith(("pd_", *(f"{app}_" for app in OUR_APPS)))
            or any(f"_{app}_" in namespace for app in OUR_APPS)
        )
        if walked.name in GENERIC_NAMES:
            walked.kind = KINDS[GENERIC_NAMES[walked.name]]
            walked.suffix = GENERIC_NAMES[walked.name]
            found.append(walked)
            continue
        if not ours:
            continue
        walked.suffix = suffix
        walked.model = NAMESPACE_MODELS.get(namespace)
        walked.kind = KINDS.get(suffix)
        if walked.model is None:
            walked.problems.append(f"no model for namespace {namespace!r}")
        if walked.kind is None:
            walked.problems.append(f"no kind for view name {suffix!r}")
        found.append(walked)
    return found


# --- Filling URLs -------------------------------------------------------------------


def _latest_task_state(obj):
    return (
        TaskState.objects.filter(
            workflow_state__base_content_type=ContentType.objects.get_for_model(ActionPlan),
            workflow_state__object_id=str(obj.pk),
        )
        .order_by("-pk")
        .first()
    )


def _latest_workflow_state(obj):
    return (
        WorkflowState.objects.filter(
            base_content_type=ContentType.objects.get_for_model(ActionPlan),
            object_id=str(obj.pk),
        )
        .order_by("-pk")
        .first()
    )


def _pk(obj):
    return obj.pk


# kwarg name -> how to fill it from the object the URL is about (None: cannot).
FILLERS = {
    "pk": _pk,
    "instance_pk": _pk,
    "object_id": _pk,
    "revision_id": lambda obj: obj.latest_revision_id,
    "revision_id_a": lambda obj: "earliest",
    "revision_id_b": lambda obj: "latest",
    "action_name": lambda obj: "approve",
    "task_state_id": lambda obj: getattr(_latest_task_state(obj), "pk", None),
    "workflow_state_id": lambda obj: getattr(_latest_workflow_state(obj), "pk", None),
    "app_label": lambda obj: obj._meta.app_label,
    "model_name": lambda obj: obj._meta.model_name,
    "action": lambda obj: "delete",
    "session_id": lambda obj: 0,
}


@dataclass
class Target:
    """One concrete URL: the pattern it comes from and the object it names (if any)."""

    walked: Walked
    url: str
    obj: object = None
    label: str = ""


def side_objects(side):
    """The demo objects of one side, anchored at its head's school and its group."""
    facts = SIDES[side]
    group = WorkGroup.objects.get(code=facts["group"])
    school = School.objects.get(urn=facts["urn"])
    enrolment = Enrolment.objects.get(school=school, work_group=group)
    return {
        School: school,
        WorkGroup: group,
        Enrolment: enrolment,
        Participant: enrolment.participants.order_by("pk").first(),
        Meeting: group.meetings.order_by("pk").first(),
        Visit: Visit.objects.filter(school=school, work_group=group).order_by("pk").first(),
        Application: Application.objects.filter(school=school).order_by("pk").first(),
        ActionPlan: ActionPlan.objects.get(school=school),
        FocusArea: FocusArea.objects.order_by("pk").first(),
        VideoTestimonial: VideoTestimonial.objects.order_by("pk").first(),
        # The private attachment the demo files in the school's own collection.
        Document: Document.objects.filter(collection__name__startswith=str(facts["urn"]))
        .order_by("pk")
        .first(),
        Image: school_image(school),
        GroupMessage: walk_message(group, "the whole group", group.enrolments.values("school")),
    }


def walk_message(group, to, schools):
    """A message sent to ``group``'s people of ``schools`` (the demo sends none)."""
    subject = f"Walk: {group.code} to {to}"
    message = GroupMessage.objects.filter(subject=subject).first()
    if message is None:
        people = Participant.objects.filter(
            enrolment__work_group=group, enrolment__school__in=schools
        )
        message = GroupMessage.objects.create(
            work_group=group,
            sent_by=group.lead_specialist,
            subject=subject,
            body="Hello.",
            recipient_count=people.count(),
        )
        message.recipients.set(people)
    return message


def school_image(school):
    """An image filed in the school's PD collection (the demo files none)."""
    collection = school_collection(school)
    image = Image.objects.filter(collection=collection).order_by("pk").first()
    if image is None:
        image = Image(title=f"{school.name}: playground photo", collection=collection)
        image.file = get_test_image_file(filename=f"{school.urn}.png")
        image.save()
    return image


def sibling_objects(side):
    """Records of another school of the same group: out of a school leader's scope."""
    school = School.objects.get(urn=SIDES[side]["sibling"])
    enrolment = school.enrolments.get()
    return {
        School: school,
        Enrolment: enrolment,
        Participant: enrolment.participants.order_by("pk").first(),
        Visit: Visit.objects.filter(school=school).order_by("pk").first(),
        ActionPlan: ActionPlan.objects.get(school=school),
        # Sent to the group, but reaching only the sibling school's people.
        GroupMessage: walk_message(enrolment.work_group, "one school", [school.pk]),
    }


def build_targets(walked: Walked, objects: dict) -> list[Target]:
    """Concrete URLs of ``walked`` about the objects in ``objects`` (model -> object)."""
    if walked.kind.listing:
        url = reverse(walked.name)
        targets = [Target(walked, url, label=walked.name)]
        if walked.name in EXPORTABLE:
            targets.append(Target(walked, url + "?export=csv", label=walked.name + " (csv)"))
        return targets
    models = MODELS_BY_GENERIC.get(walked.suffix, [walked.model])
    if walked.suffix == "work_group":
        models = [WorkGroup]
    targets = []
    for model in models:
        if model not in objects:
            continue  # a partial set (a sibling school's records) has no such object
        obj = objects[model]
        if obj is None:
            pytest.fail(f"the demo has no {model.__name__} for {walked.name}: add a rule")
        if walked.suffix == "work_group":
            kwargs = {"group_id": obj.pk}
        else:
            kwargs = {}
            for name in walked.kwargs:
                filler = FILLERS.get(name)
                value = filler(obj) if filler else None
                if value is None:
                    pytest.fail(
                        f"cannot fill {name!r} of {walked.name} ({walked.route}) for "
                        f"{model.__name__} {obj.pk}: add a rule for {walked.name} in "
                        "test_every_admin_url.py"
                    )
                kwargs[name] = value
        url = reverse(walked.name, kwargs=kwargs)
        if walked.kind.query_ids:
            url += f"?id={obj.pk}"
        targets.append(Target(walked, url, obj, f"{walked.name} {model.__name__} {obj.pk}"))
    return targets


# --- What counts as refused, and what may not be shown ----------------------------------


def redirected_away(response) -> bool:
    """Wagtail's permission-denied answer: back to the dashboard or to the login."""
    if response.status_code != 302:
        return False
    location = response["Location"].split("?")[0]
    return location.rstrip("/").endswith("/admin") or "/admin/login/" in location


def refused(response, kind: Kind, method="get") -> bool:
    if method == "get" and not kind.get:
        return response.status_code == 405
    return response.status_code in (403, 404) or redirected_away(response)


def markers(side) -> list[str]:
    """Text that names a side's records: its group's code and name, its schools' names."""
    facts = SIDES[side]
    names = list(School.objects.filter(urn__in=facts["urns"]).values_list("name", flat=True))
    return [facts["group"], facts["group_name"], *names]


def found_text(content: str, texts) -> list[str]:
    """Return which of ``texts`` appear in ``content`` (as typed or HTML-escaped)."""
    return [text for text in texts if text in content or html.escape(text) in content]


def found_urns(content: str, urns) -> list[str]:
    return [str(urn) for urn in urns if re.search(rf"(?<!\d){urn}(?!\d)", content)]


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig", "replace")
    return response.content.decode("utf-8", "replace")


def snapshot(obj):
    model = type(obj)
    return (
        list(model._default_manager.filter(pk=obj.pk).values()),
        model._default_manager.count(),
        ActionPlan.objects.count(),
    )


def add_log_entries():
    """Log an edit of each side's group, application and visit, as the admin views do.

    The demo writes log entries for plans only; these give the site history report
    other PD records to (not) show.
    """
    hublead = hubdata.user("hublead")
    for side in SIDES:
        objects = side_objects(side)
        for model in (WorkGroup, Application, Visit, School):
            log(objects[model], "wagtail.edit", user=hublead)


# --- The walk -----------------------------------------------------------------------


@dataclass
class Tally:
    patterns: int = 0
    checks: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, message):
        self.failures.append(message)


def check_patterns_have_rules(patterns):
    missing = [
        f"{w.name} ({w.route}): {'; '.join(w.problems)}: add a rule for {w.name} in "
        "test_every_admin_url.py"
        for w in patterns
        if w.problems
    ]
    assert not missing, "\n".join(missing)


def foreign_sets(role):
    """The objects ``role`` may not see, as (label, model -> object) sets."""
    if role == "hublead":
        return []
    if role == "editor":
        return [("LDS", side_objects("LDS")), ("BFD", side_objects("BFD"))]
    other = "BFD" if OWN_SIDE[role] == "LDS" else "LDS"
    sets = [(other, side_objects(other))]
    if role.startswith("head"):
        sets.append((f"{OWN_SIDE[role]} sibling", sibling_objects(OWN_SIDE[role])))
    return sets


def applies(walked, role) -> bool:
    """Whether the pattern's objects are out of ``role``'s scope at all.

    Focus areas are a shared, public vocabulary (the Five Big Ideas and the like):
    any admin user may read them through Wagtail's choosers, which are open to
    every signed-in user by design, and only hub leads change them; video testimonials are
    the editors' public content: any admin user may read them, PD roles not change
    them.
    """
    changes = walked.kind.post or walked.suffix in {"add", "create"}
    if walked.model is FocusArea:
        return changes
    if walked.model is VideoTestimonial:
        return role in PD_ROLES and changes
    return True


def walk_role(client, role, tally):
    patterns = our_admin_patterns()
    check_patterns_have_rules(patterns)
    tally.patterns = len(patterns)
    client.force_login(hubdata.user(role))
    forbidden_sides = [label for label, _ in foreign_sets(role) if "sibling" not in label]
    forbidden = [t for side in forbidden_sides for t in markers(side)]
    if role.startswith("head"):
        # A sibling school's name may show (it hosts the group's meetings); its plan not.
        forbidden.append(sibling_objects(OWN_SIDE[role])[ActionPlan].title)
    forbidden_urns = [u for side in forbidden_sides for u in SIDES[side]["urns"]]
    for walked in patterns:
        if walked.kind.listing:
            for target in build_targets(walked, {}):
                response = client.get(target.url)
                tally.checks += 1
                if response.status_code != 200:
                    if not refused(response, walked.kind):
                        tally.fail(f"{role} GET {target.url}: {response.status_code}")
                    elif role in POSITIVE.get(walked.name, ()):
                        tally.fail(f"{role} GET {target.url} refused, yet must list own records")
                    continue
                content = body(response)
                leaked = found_text(content, forbidden) + found_urns(content, forbidden_urns)
                if leaked:
                    tally.fail(f"LEAK {role} GET {target.url} shows {leaked}")
                if role in POSITIVE.get(walked.name, ()):
                    # The hub lead must find both sides; anyone else their own side.
                    sides = list(SIDES) if role == "hublead" else [OWN_SIDE[role]]
                    if walked.name in ONE_PROGRAMME_AT_A_TIME:
                        sides = [[m for side in sides for m in markers(side)]]
                    else:
                        sides = [markers(side) for side in sides]
                    for own in sides:
                        if not found_text(content, own):
                            tally.fail(f"{role} GET {target.url} lists none of {own[0]}'s records")
            continue
        if role == "hublead" or not applies(walked, role):
            continue
        for label, objects in foreign_sets(role):
            for target in build_targets(walked, objects):
                check_object_url(client, role, label, target, tally)


def check_object_url(client, role, label, target, tally):
    kind = target.walked.kind
    before = snapshot(target.obj)
    response = client.get(target.url)
    tally.checks += 1
    if not refused(response, kind):
        content = body(response) if response.status_code == 200 else ""
        if not (kind.query_ids and response.status_code == 200 and str(target.obj) not in content):
            tally.fail(
                f"LEAK {role} GET {target.url} ({target.label}, {label}): "
                f"{response.status_code} {response.get('Location', '')}"
            )
    if kind.post:
        response = client.post(target.url, {})
        tally.checks += 1
        # A bulk action acts only on the objects it may: there, "nothing changed" is the test.
        if not (refused(response, kind, "post") or kind.query_ids):
            tally.fail(
                f"LEAK {role} POST {target.url} ({target.label}, {label}): "
                f"{response.status_code} {response.get('Location', '')}"
            )
        if snapshot(target.obj) != before:
            tally.fail(f"LEAK {role} POST {target.url} ({target.label}, {label}) changed it")


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_keeps_to_the_roles_scope(client, demo, role):
    add_log_entries()
    tally = Tally()
    walk_role(client, role, tally)
    print(f"\n{role}: {tally.patterns} patterns walked, {tally.checks} requests checked")
    assert not tally.failures, "\n".join(tally.failures)


# Object URLs nobody reaches in the demo, and why (their refusal is the permission's).
REACHED_BY_NOBODY = {
    "wagtailsnippets_workflows_actionplan:revisions_unschedule": "no plan revision is scheduled",
    "wagtailsnippets_workflows_actionplan:unpublish": "no role holds publish on plans",
    "pd_group_messages:edit": "a message sent is never edited (workflows.groups.policy)",
    "pd_group_messages:delete": "nor deleted: the retention purge clears it",
    "pd_group_messages:history": "a message's sending is on its Work Group's history",
    "pd_group_messages:history_results": "a message's sending is on its Work Group's history",
    "pd_group_messages:usage": "nothing refers to a message",
}
# Who may open each side's objects, tried in turn.
INSIDERS = {
    "LDS": ["hublead", "specialist", "head", "editor"],
    "BFD": ["hublead", "specialist2", "head2", "editor"],
}


def reached(response, kind) -> bool:
    """A real answer: the page, or (for a POST-only view asked with GET) 405 after the scope.

    The admin API's ``find`` answers with a redirect to the object it found.
    """
    if kind.query_ids and response.status_code == 302:
        return "/admin/api/" in response["Location"]
    return response.status_code == 200 or (kind.post and response.status_code == 405)


def test_someone_in_scope_reaches_every_object_url_the_walk_builds(client, demo):
    """The URLs refused to others point at real objects that insiders do reach.

    So each refusal in the walk above is the scope's doing, not a URL that leads
    nowhere: for every object URL, some user whose scope holds the object (the hub
    lead, the group's specialist, the school's leader; the editor for testimonials)
    gets the page.
    """
    patterns = our_admin_patterns()
    check_patterns_have_rules(patterns)
    users = {name: hubdata.user(name) for names in INSIDERS.values() for name in names}
    unreached, checked = [], 0
    for walked in patterns:
        if walked.kind.listing or walked.name in REACHED_BY_NOBODY:
            continue
        found = False
        for side, insiders in INSIDERS.items():
            for objects in (side_objects(side), sibling_objects(side)):
                for target in build_targets(walked, objects):
                    for name in insiders:
                        client.force_login(users[name])
                        method = client.get if walked.kind.get else client.post
                        checked += 1
                        if reached(method(target.url), walked.kind):
                            found = True
                            break
                    if found:
                        break
                if found:
                    break
            if found:
                break
        if not found:
            unreached.append(f"{walked.name}: no insider reaches it")
    print(f"\ninsiders: {checked} object URL requests to reach every object pattern")
    assert checked > 0
    assert not unreached, "\n".join(unreached)


def test_anonymous_visitors_are_sent_to_the_login_for_every_admin_url(client, demo):
    patterns = our_admin_patterns()
    check_patterns_have_rules(patterns)
    failures, checked = [], 0
    for walked in patterns:
        objects = {} if walked.kind.listing else side_objects("LDS")
        for target in build_targets(walked, objects):
            response = client.get(target.url)
            checked += 1
            if response.status_code != 302 or "/admin/login/" not in response["Location"]:
                failures.append(f"anonymous GET {target.url}: {response.status_code}")
    print(f"\nanonymous: {len(patterns)} patterns walked, {checked} URLs checked")
    assert not failures, "\n".join(failures)
