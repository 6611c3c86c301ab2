"""Admin screens of a group's messages: write one, list and read what was sent.

``pd_workgroups:message`` (the send form) is a view of the Work Group viewset, so
:class:`~workflows.shared.scoping.ScopedView` turns away a group outside the
user's scope with a 404 before it runs; then only the group's lead specialist or
a hub lead may write (403 for anyone else). ``pd_group_messages`` is a scoped
viewset to list and read the messages, for whoever may see them
(:mod:`workflows.groups.policy`); it has no add, edit or delete anyone may use.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.generic import FormView

from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogFormatter

from workflows.groups.forms import GroupMessageForm
from workflows.groups.messages import (
    AUDIENCES,
    NobodyToReach,
    can_message,
    describe_audiences,
    group_people,
    reach_of,
    send_to_group,
    sender_name,
)
from workflows.models import GroupMessage, WorkGroup
from workflows.permissions import visible
from workflows.shared.scoping import ReadableInspectView, ScopedIndexView, ScopedModelViewSet


def message_url(group) -> str:
    return reverse("pd_workgroups:message", args=[group.pk])


def people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def left_out_words(reach) -> str:
    """``2 without an email address and 3 whose school has left the group``."""
    parts = []
    if reach.without_email:
        parts.append(f"{reach.without_email} without an email address")
    if reach.left_group:
        parts.append(f"{reach.left_group} whose school has left the group")
    return " and ".join(parts)


class SendMessageView(WagtailAdminTemplateMixin, FormView):
    """``pd_workgroups:message``: write to a Work Group's participants and heads."""

    template_name = "workflows/groups/message_form.html"
    form_class = GroupMessageForm
    page_title = "Message the group"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        self.group = get_object_or_404(
            visible(request.user, WorkGroup.objects.select_related("lead_specialist")),
            pk=kwargs["pk"],
        )
        if not can_message(request.user, self.group):
            raise PermissionDenied
        self.people = group_people(request.user, self.group)
        self.today = timezone.localdate()
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.group)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("pd_workgroups:index"), "label": "Work Groups"},
            {"url": reverse("pd_workgroups:inspect", args=[self.group.pk]), "label": self.group},
            {"url": "", "label": self.page_title},
        ]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["counts"] = {
            key: reach_of(self.people, [key], self.today).count for key in AUDIENCES
        }
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        chosen = list(AUDIENCES)
        if form.is_bound and form.is_valid():
            chosen = form.cleaned_data["audiences"]
        reach = reach_of(self.people, chosen, self.today)
        context.update(
            group=self.group,
            reach=reach,
            reach_words=people(reach.count),
            audience_words=describe_audiences(chosen),
            left_out=left_out_words(reach),
            sender_email=self.request.user.email,
            cancel_url=reverse("pd_workgroups:inspect", args=[self.group.pk]),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            outcome = send_to_group(
                group=self.group,
                sender=self.request.user,
                subject=data["subject"],
                body=data["body"],
                audiences=data["audiences"],
            )
        except NobodyToReach:
            form.add_error(
                "audiences",
                "Nobody among the people chosen has an email address: nothing was sent.",
            )
            return self.form_invalid(form)
        message = outcome.message
        if outcome.repeated:
            when = date_format(timezone.localtime(message.sent_at), "H:i")
            messages.info(
                self.request,
                f"“{message.subject}” was already sent to the group at {when}: "
                "it was not sent again.",
            )
        else:
            reach = outcome.reach
            text = f"“{message.subject}” sent to {people(reach.count)} in {self.group.code}."
            if reach.left_out:
                text += f" Left out: {left_out_words(reach)}."
            messages.success(self.request, text)
            if outcome.failed:
                messages.warning(
                    self.request,
                    f"{people(outcome.failed)} could not be reached by the mail server; "
                    "the hub's technical contact can see why in the server log.",
                )
        return redirect("pd_workgroups:inspect", self.group.pk)


def group_messages_context(user, group) -> dict:
    """What the Work Group's page shows of its messages: the list, and the link to write.

    One query for the list whatever its length (the sender comes with each row).
    """
    return {
        "group_messages": list(
            visible(user, group.messages.select_related("sent_by")).order_by("-sent_at", "-pk")
        ),
        "message_url": message_url(group) if can_message(user, group) else None,
    }


# --- Reading what was sent --------------------------------------------------------------


class GroupMessageIndexView(ScopedIndexView):
    list_select_related = ("work_group", "sent_by")
    default_ordering = "-sent_at"


class GroupMessageInspectView(ReadableInspectView):
    template_name = "workflows/groups/message_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        message = self.object
        # Of the people it reached, those the reader may see (a school leader: their own).
        context["recipients"] = list(
            visible(
                self.request.user, message.recipients.select_related("enrolment__school")
            ).order_by("enrolment__school__name", "role", "name", "pk")
        )
        context["sender"] = sender_name(message.sent_by)
        return context


class GroupMessageViewSet(ScopedModelViewSet):
    model = GroupMessage
    name = "pd_group_messages"
    url_prefix = "pd/group-messages"
    menu_label = "Messages to groups"
    icon = "mail"
    index_view_class = GroupMessageIndexView
    inspect_view_class = GroupMessageInspectView
    inspect_view_enabled = True
    # The template lays the message out itself; recipients are listed in scope there.
    inspect_view_fields = ["work_group", "sent_at", "recipient_count"]
    list_per_page = 50
    list_display = [
        "subject",
        "work_group",
        DateColumn("sent_at", label="Sent"),
        Column("sent_by", label="Sent by", accessor=lambda message: sender_name(message.sent_by)),
        Column("recipient_count", label="People reached"),
    ]
    list_filter = ["work_group"]
    search_fields = ["subject"]
    form_fields = ["subject", "body"]  # never offered: nobody may add or change a message


class GroupMessageLogFormatter(LogFormatter):
    label = "Message the group"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        n = data.get("recipients", 0)
        text = f"Message sent to {people(n)}"
        audiences = describe_audiences(data.get("audiences", []))
        return f"{text} ({audiences})" if audiences else text
