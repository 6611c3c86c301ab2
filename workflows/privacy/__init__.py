"""Personal data under UK GDPR: the retention policy, the purge, the subject-access export.

* :mod:`.policy`: dates and markers that turn the retention setting into cut-offs;
* :mod:`.purge`: anonymise what is past retention (``manage.py purge_personal_data``);
* :mod:`.export`: everything held about one email address, as a ZIP of CSV and JSON;
* :mod:`.views` and :mod:`.wagtail_hooks`: the hub lead's admin screen and the audit log.
"""
