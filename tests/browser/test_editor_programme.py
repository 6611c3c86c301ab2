"""An editor creates and publishes a programme page with a video testimonial
through the real Wagtail admin, and the page goes live on the site."""

import re

from programmes.models import ProgrammeIndexPage, ProgrammePage, VideoTestimonial


def test_editor_publishes_a_programme_page_with_a_testimonial(page, live_server, demo, login):
    index = ProgrammeIndexPage.objects.get()
    testimonial = VideoTestimonial.objects.get(title="The impact on pupils")
    page.route(
        re.compile(r"https?://([^/]*\.)?(vimeo|youtube|youtube-nocookie)\.com/"),
        lambda route: route.abort(),
    )
    login("editor")

    page.goto(f"{live_server.url}/admin/pages/add/programmes/programmepage/{index.pk}/")
    page.fill("#id_title", "Leadership Work Groups")
    page.fill("#id_summary", "Head teachers and maths leads plan whole-school change together.")
    page.fill("#id_stage_order", "6")

    # Add a testimonial block to the body and choose the snippet in the chooser modal.
    body = page.locator("[data-contentpath='body']")
    body.get_by_role("button", name="Insert a block").first.click()
    page.get_by_role("option", name=re.compile("Testimonial")).click()
    body.get_by_role("button", name=re.compile("Choose")).first.click()
    modal = page.locator(".modal")
    modal.get_by_role("link", name=testimonial.title).click()
    modal.wait_for(state="hidden")
    assert body.get_by_text(testimonial.title).first.is_visible()

    page.locator("[data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name="Publish").click()
    # Not just the edit page's address: Wagtail's autosave may have moved there already,
    # with a draft. The publish is done when its message shows.
    page.locator(".messages", has_text="published").wait_for()

    created = ProgrammePage.objects.get(title="Leadership Work Groups")
    assert created.live
    assert [block.block_type for block in created.body] == ["testimonial"]
    assert created.body[0].value == testimonial

    page.goto(live_server.url + created.url)
    assert page.locator("h1").inner_text() == "Leadership Work Groups"
    assert page.get_by_role("button", name="Play video: The impact on pupils").is_visible()
    assert page.locator("iframe").count() == 0
