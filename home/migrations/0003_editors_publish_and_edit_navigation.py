"""Let Wagtail's "Editors" group publish pages and edit the navigation and footer.

The issue's editors "publish; visitors read": without ``publish_page`` an editor
could only submit pages to the moderators. The menus are content too, so editors
may change the navigation setting. Permissions for a new model only exist after
``post_migrate``, so this migration creates them first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def editors_and_permissions(apps):
    app_config = apps.get_app_config("home")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    navigation = Permission.objects.filter(
        content_type__app_label="home", codename="change_navigationsettings"
    )
    publish = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename="publish_page"
    ).first()
    return editors, navigation, publish


def grant(apps, schema_editor):
    editors, navigation, publish = editors_and_permissions(apps)
    if editors is None:
        return
    editors.permissions.add(*navigation)
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    root = Page.objects.filter(depth=1).first()
    if root is not None and publish is not None:
        GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=publish)


def revoke(apps, schema_editor):
    editors, navigation, publish = editors_and_permissions(apps)
    if editors is None:
        return
    editors.permissions.remove(*navigation)
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(group=editors, permission=publish, page__depth=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_site_chrome_search_and_blocks"),
        ("wagtailcore", "0090_remove_grouppagepermission_permission_type"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
