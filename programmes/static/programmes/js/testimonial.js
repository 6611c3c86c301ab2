/*
 * Click-to-play video testimonials.
 *
 * The page arrives with a poster and a real <button>; nothing is requested from
 * Vimeo or YouTube. Only when the visitor presses play do we put the
 * privacy-enhanced player (built on the server, in data-embed-url) into the page.
 */
(function () {
  "use strict";

  function play(button) {
    var player = button.closest("[data-embed-url]");
    if (!player) { return; }
    var url = player.getAttribute("data-embed-url");
    if (!/^https:\/\/(player\.vimeo\.com|www\.youtube-nocookie\.com)\//.test(url)) { return; }
    var iframe = document.createElement("iframe");
    iframe.src = url;
    iframe.title = player.getAttribute("data-embed-title") || "Video";
    iframe.allow = "autoplay; fullscreen; picture-in-picture";
    iframe.allowFullscreen = true;
    iframe.className = "testimonial__iframe";
    player.replaceChildren(iframe);
    player.classList.add("testimonial__player--playing");
    iframe.focus();
  }

  function openTranscript(link) {
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target && target.tagName === "DETAILS") {
      target.open = true;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-testimonial-play]");
    if (button) {
      play(button);
      return;
    }
    var link = event.target.closest("[data-transcript-link]");
    if (link) {
      openTranscript(link);
    }
  });
}());
