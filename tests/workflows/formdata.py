"""POST data a browser would send: a school's application, or a rendered Wagtail edit form."""

# A complete, valid application to the public form from demo school 990301.
APPLICATION = {
    "school": "Calder Bridge Primary (990301)",
    "school_urn": "990301",
    "school_postcode": "",
    "head_name": "Ian Walsh",
    "head_email": "head@calderbridge.example",
    "teacher_1_name": "Nadia Shah",
    "teacher_1_email": "n.shah@calderbridge.example",
    "teacher_1_role": "Year 4 teacher and maths lead",
    "teacher_1_trn": "1234567",
    "teacher_1_is_maths_lead": "on",
    "teacher_2_name": "Owen Price",
    "teacher_2_email": "o.price@calderbridge.example",
    "teacher_2_role": "Year 2 teacher",
    "teacher_2_trn": "",
    "reason": "We want every pupil to understand maths deeply.",
    "consent": "on",
    "website": "",
}


def post_data(form) -> dict:
    """Return ``form``'s current values, inline formsets included, as POST data.

    Hidden "initial" values are left out, as the admin's templates leave them out.
    """
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    for formset in form.formsets.values():
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": formset.total_form_count(),
                f"{formset.prefix}-INITIAL_FORMS": formset.initial_form_count(),
                f"{formset.prefix}-MIN_NUM_FORMS": 0,
                f"{formset.prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for child in formset.forms:
            for name in child.fields:
                value = child[name].value()
                if value is not None and value is not False:
                    data[child.add_prefix(name)] = value
    return data
