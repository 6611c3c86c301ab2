"""The admin loads nothing from third parties: no avatars from gravatar.com."""


def test_admin_dashboard_has_no_gravatar(client, demo, django_user_model):
    client.force_login(django_user_model.objects.get(username="hublead"))
    html = client.get("/admin/").content.decode()
    assert 'class="avatar' in html  # the avatar is still shown, from Wagtail's own files
    assert "gravatar.com" not in html
