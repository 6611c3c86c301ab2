"""When the retention policy is saved: refresh the privacy notice.

(Wagtail's settings screen logs the edit itself, as ``wagtail.edit`` in
:class:`HubLogEntry`, registered in ``workflows.privacy.wagtail_hooks``.) The local
page cache turns over by itself (``cms.pagecache`` treats every Wagtail setting as
content); a CDN in front only learns of pages it is told about, so once the change
is committed it is asked to purge the privacy notices, which render the policy.
"""

from django.db import transaction
from django.db.models.signals import post_save


def _refresh_privacy_notices():
    from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache

    from workflows.models import PrivacyNoticePage

    pages = list(PrivacyNoticePage.objects.live())
    if pages:
        purge_pages_from_cache(pages)


def policy_saved(sender, instance, raw=False, **kwargs):
    """Purge the notices from a CDN once the change is committed (not before: a
    request in between would fetch and keep the old policy)."""
    if not raw:
        transaction.on_commit(_refresh_privacy_notices)


def connect(sender) -> None:
    post_save.connect(policy_saved, sender=sender, dispatch_uid="workflows-retention-policy-saved")
