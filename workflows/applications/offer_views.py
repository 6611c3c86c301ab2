"""The public page where a school answers its offer, reached only by the emailed link.

Anyone holding the link may answer, as anyone holding the email could reply to
it: the link is the key, and it opens this one offer only. The page shows the
offer's public facts (school, programme, year, the Work Group's name, area and
town) and no person; a link that shows no offer gets a plain page saying why and
how to reach the hub, with a 4xx status.
"""

from django import forms
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from workflows.applications.decisions import DecisionRefused
from workflows.applications.forms import hub_email_link
from workflows.applications.offers import (
    LinkProblem,
    OfferLinkRefused,
    answer_offer,
    link_max_age,
    open_offer,
)

ANSWERS = ("accept", "decline")


class DeclineForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Why is the school declining? (optional)",
        help_text="It helps the hub plan its groups. Only the hub reads it.",
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "decline_%s")
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs["aria-describedby"] = "decline_reason-hint"

    def full_clean(self):
        super().full_clean()
        if self.errors.get("reason"):
            widget = self.fields["reason"].widget
            widget.attrs["aria-describedby"] = "decline_reason-hint decline_reason-error"
            widget.attrs["aria-invalid"] = "true"


def _private(response):
    """Keep the link out of other sites' logs and out of search engines.

    ``same-origin``, not ``no-referrer``: with no referrer, browsers send the form
    post's ``Origin`` as ``null`` and Django's CSRF check refuses it.
    """
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, problem: LinkProblem):
    context = {"problem": problem, "hub_email_link": hub_email_link()}
    return _private(
        render(
            request,
            "workflows/applications/offer_unavailable.html",
            context,
            status=problem.status,
        )
    )


def _facts(application) -> dict:
    """What the page shows of the offer: public facts, no person."""
    group = application.offered_group
    return {
        "school_name": application.school.name if application.school else application.school_name,
        "programme": application.programme.title,
        "year": application.academic_year,
        "group_name": group.name if group else "",
        "group_area": group.area if group else "",
        "group_town": group.meeting_town if group else "",
    }


@never_cache
@require_http_methods(["GET", "POST"])
def offer(request, token: str):
    """Show the offer the link names, or take the school's answer to it."""
    try:
        application = open_offer(token)
    except OfferLinkRefused as refusal:
        return _refused(request, refusal.problem)
    form = DeclineForm()
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        # Accepting takes no reason: a bound empty form is valid.
        form = DeclineForm(request.POST if answer == "decline" else {})
        if answer in ANSWERS and form.is_valid():
            try:
                application = answer_offer(token, answer, form.cleaned_data.get("reason", ""))
            except OfferLinkRefused as refusal:
                return _refused(request, refusal.problem)
            except DecisionRefused as refusal:
                problem = LinkProblem(
                    "We could not accept the place online",
                    f"{refusal.message} Nothing has changed: please contact the hub.",
                    409,
                )
                return _refused(request, problem)
            context = {**_facts(application), "answer": answer}
            return _private(render(request, "workflows/applications/offer_answered.html", context))
        if answer not in ANSWERS:
            form.add_error(None, "Choose to accept or decline the place.")
    context = {
        **_facts(application),
        "form": form,
        "link_days": link_max_age().days,
        "hub_email_link": hub_email_link(),
    }
    return _private(render(request, "workflows/applications/offer.html", context))
