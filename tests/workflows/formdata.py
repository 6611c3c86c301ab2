"""Turn a rendered Wagtail edit form back into the POST data a browser would send."""


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
