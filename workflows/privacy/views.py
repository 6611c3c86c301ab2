"""The hub lead's subject-access export screen.

A form asks for one email address; a valid address with something held about it
downloads the ZIP of :mod:`workflows.privacy.export`, one with nothing held
re-renders the form saying so (an empty ZIP would look like a failed download).
Either way the look-up itself is logged (who looked up whom, when, how much was
found), because reading someone's whole record is itself something to account for.
"""

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.views.generic import FormView

from wagtail.log_actions import log

from workflows.privacy.export import EXPORT_ACTION, build_zip, collect
from workflows.privacy.policy import current_policy
from workflows.shared.scoping import HubLeadPageMixin


class SubjectAccessForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The address of the person asking for their data; letter case does not matter.",
        error_messages={
            "required": "Enter the email address of the person asking for their data.",
            "invalid": "Enter an email address in the right format, like name@school.example.",
        },
    )


class SubjectAccessExportView(HubLeadPageMixin, FormView):
    template_name = "workflows/privacy/subject_access.html"
    form_class = SubjectAccessForm
    page_title = "Subject-access export"
    header_icon = "download"

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        data = collect(email)
        now = timezone.now()
        user = self.request.user
        log(
            instance=current_policy(),
            action=EXPORT_ACTION,
            user=user,
            data={"email": email, "total": data.total, "counts": data.counts()},
        )
        if not data.total:
            return self.render_to_response(self.get_context_data(form=form, nothing_held=email))
        archive = build_zip(data, generated_by=user.get_full_name() or user.get_username(), now=now)
        stem = slugify(email.replace("@", " at "))
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="personal-data-{stem}-{timezone.localdate(now):%Y%m%d}.zip"'
        )
        # Someone's whole record: never kept by a browser or proxy cache.
        patch_cache_control(response, private=True, no_store=True)
        return response
