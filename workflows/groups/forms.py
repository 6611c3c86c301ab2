"""The form a group's lead writes a message in."""

from django import forms

from workflows.groups.messages import AUDIENCES
from workflows.models import GroupMessage

#: Long enough for any letter to a group; short enough that a paste of a whole
#: document is caught before it is sent to thirty inboxes.
BODY_MAX = 10_000
SUBJECT_MAX = GroupMessage._meta.get_field("subject").max_length


class GroupMessageForm(forms.Form):
    subject = forms.CharField(
        max_length=SUBJECT_MAX,
        help_text="The email's subject line, as the group will see it in their inbox.",
        error_messages={"required": "Enter a subject."},
    )
    body = forms.CharField(
        label="Message",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Plain text. A line at the end will say why each person received it "
        "and that replies come to you.",
        error_messages={"required": "Enter the message."},
    )
    audiences = forms.MultipleChoiceField(
        label="Send to",
        choices=[(key, label) for key, (label, _) in AUDIENCES.items()],
        initial=list(AUDIENCES),
        widget=forms.CheckboxSelectMultiple,
        help_text="Who in the group's schools receives it; each gets their own copy.",
        error_messages={"required": "Choose who to send it to."},
    )

    def __init__(self, *args, counts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if counts:
            # "Head teachers (6 people)": how many each choice reaches, on the page.
            self.fields["audiences"].choices = [
                (key, f"{label} ({_people(counts.get(key, 0))})")
                for key, (label, _) in AUDIENCES.items()
            ]

    def clean_subject(self):
        subject = " ".join(self.cleaned_data["subject"].split())
        if not subject:
            raise forms.ValidationError("Enter a subject.")
        return subject

    def clean_body(self):
        # Browsers post line breaks as CRLF: one form, so a repeat compares equal.
        body = self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n").strip()
        if not body:
            raise forms.ValidationError("Enter the message.")
        return body


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"
