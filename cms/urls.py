from django.conf import settings
from django.urls import include, path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms.admin_urls import override_urlpatterns
from cms.users.account import AccountView, LogoutView, admin_view
from cms.views import dev_media, favicon, healthz
from home.views import robots_txt

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Wagtail's account page and sign-out with our rules (cms/users/account.py): they
    # must come before Wagtail's admin URLs, which would answer the same addresses.
    path("admin/account/", admin_view(AccountView.as_view()), name="wagtailadmin_account"),
    path("admin/logout/", admin_view(LogoutView.as_view()), name="wagtailadmin_logout"),
    # Subclasses of Wagtail's own admin views that apps serve at the same addresses.
    *override_urlpatterns(),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Browsers and feed readers ask for /favicon.ico whatever the page declares.
    path("favicon.ico", favicon, name="favicon"),
    # The PD domain's public views (application form, school search, Work Group finder).
    path("", include("workflows.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    # Images only: documents go through Wagtail's checked serve view (cms.views.dev_media).
    urlpatterns += static(settings.MEDIA_URL, view=dev_media, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Wagtail's page serving comes last: it matches every remaining path.
    path("", include(wagtail_urls)),
]
