"""Demo PD attachments: a private collection per enrolled school, and visit notes in two.

Every school in a demo Work Group gets its collection under "PD attachments"
(:func:`workflows.documents.private.school_collection`), and the two schools the demo
leaders lead (Brookfield for ``head``, Riverside for ``head2``) get a short PDF of
visit notes, so signing in as each role shows the rule at work: ``head`` fetches
Brookfield's notes and is refused Riverside's; ``editor`` sees neither in the
documents admin; anonymous visitors are sent to the login.

Idempotent: a document already present (same title in the same collection) is left alone.
"""

from django.core.files.base import ContentFile

from wagtail.documents import get_document_model

from workflows.documents.private import school_collection
from workflows.models import School

NOTES_FOR = (990101, 990201)


def minimal_pdf(lines: list[str]) -> bytes:
    """Return a one-page PDF showing ``lines`` (ASCII), with a correct cross-reference table."""
    text = " T* ".join(
        "({})Tj".format(line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)"))
        for line in lines
    )
    stream = f"BT /F1 12 Tf 14 TL 72 760 Td {text} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def load(stdout):
    Document = get_document_model()
    for school in School.objects.filter(enrolments__isnull=False).distinct().order_by("urn"):
        collection = school_collection(school)
        if school.urn not in NOTES_FOR:
            continue
        title = f"{school.name}: autumn visit notes"
        if Document.objects.filter(collection=collection, title=title).exists():
            continue
        pdf = minimal_pdf(
            [
                title,
                "Demo document: private to the school, its Work Group's specialist and hub leads.",
            ]
        )
        document = Document(title=title, collection=collection)
        document.file.save(f"visit-notes-{school.urn}.pdf", ContentFile(pdf), save=False)
        # What Wagtail's upload form records: content type, size and hash.
        document._set_document_file_metadata()
        document.save()
        stdout.write(f"Created demo PD attachment {title!r} in {collection.name}")
