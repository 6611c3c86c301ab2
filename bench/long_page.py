# Run by bench/run.py through `manage.py shell`: give the Development Work Groups
# page a 30-block body (six rounds of heading, text, quote, key facts and a
# testimonial), as an editor building a long page would, and publish it.
import json

from programmes.models import ProgrammePage, VideoTestimonial

page = ProgrammePage.objects.get(slug="development-work-groups")
testimonial_ids = list(VideoTestimonial.objects.values_list("pk", flat=True)) or [None]
body = []
for round_number in range(1, 7):
    body += [
        {"type": "heading", "value": {"text": f"Part {round_number} of the year", "level": "h2"}},
        {
            "type": "text",
            "value": "<p>Teachers plan a research lesson together, observe it and discuss what pupils understood.</p>"
            * 3,
        },
        {
            "type": "quote",
            "value": {
                "quote": "Our pupils now explain their reasoning.",
                "attribution": "A Year 4 teacher",
            },
        },
        {
            "type": "key_facts",
            "value": {
                "heading": "At a glance",
                "facts": [
                    {"label": "Meetings", "value": "Six half days"},
                    {"label": "Cost", "value": "Funded"},
                ],
            },
        },
    ]
    testimonial = testimonial_ids[round_number % len(testimonial_ids)]
    if testimonial is not None:
        body.append({"type": "testimonial", "value": testimonial})
    else:
        body.append(
            {"type": "text", "value": "<p>Between meetings, teachers try the ideas in class.</p>"}
        )
page.body = json.dumps(body)
page.save_revision().publish()
print(f"{page.title}: {len(page.body)} blocks")
