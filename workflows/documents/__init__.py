"""Private documents of schools: PD attachments, their tags, and who may fetch them."""
