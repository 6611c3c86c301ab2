"""The site has an icon: pages name it, and /favicon.ico (asked for by every browser) leads to it."""

from django.contrib.staticfiles import finders

from bs4 import BeautifulSoup


def test_pages_name_the_icon_and_favicon_ico_leads_to_it(client, demo):
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    icon = soup.find("link", rel="icon")
    assert icon is not None and icon["type"] == "image/svg+xml"

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == icon["href"]
    path = finders.find(icon["href"].removeprefix("/static/"))
    assert path is not None
    with open(path, encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")
