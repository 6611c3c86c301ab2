"""When the retention policy is saved: refresh the privacy notice.

(Wagtail's settings screen logs the edit itself, as ``wagtail.edit`` in
:class:`HubLogEntry`, registered in ``workflows.privacy.wagtail_hooks``.) The page
cache of ``cms.pagecache`` only watches the apps whose models pages show (``cms``
may not know about ``workflows``). The privacy notice renders the policy, so a changed
policy must reach visitors at once: the local page cache is turned over and any
CDN in front is asked to purge the notice's URL, once the change is committed.
"""

from django.db import transaction
from django.db.models.signals import post_save

from cms.pagecache import invalidate


def _refresh_privacy_notices():
    from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache

    from workflows.models import PrivacyNoticePage

    invalidate()
    pages = list(PrivacyNoticePage.objects.live())
    if pages:
        purge_pages_from_cache(pages)


def policy_saved(sender, instance, raw=False, **kwargs):
    """Turn the page cache over once the change is committed (not before: a request
    rendering the old policy in between would be cached under the new version)."""
    if not raw:
        transaction.on_commit(_refresh_privacy_notices)


def connect(sender) -> None:
    post_save.connect(policy_saved, sender=sender, dispatch_uid="workflows-retention-policy-saved")
