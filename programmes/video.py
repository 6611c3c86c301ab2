"""Recognise Vimeo and YouTube addresses and build their privacy-enhanced player URLs.

We build player URLs ourselves instead of asking the providers' oEmbed endpoints:
nothing is fetched when a page renders, and the visitor's browser makes the first
request to the provider only when they press play.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.exceptions import ValidationError

VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "www.youtube-nocookie.com"}
YOUTU_BE_HOSTS = {"youtu.be"}

VIMEO_PATH = re.compile(
    r"^/(?:video/|channels/[\w-]+/|groups/[\w-]+/videos/)?(\d{6,12})(?:/([0-9a-f]{6,20}))?/?$"
)
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
YOUTUBE_PATH = re.compile(r"^/(?:embed|shorts|live)/([A-Za-z0-9_-]{11})/?$")

INVALID_MESSAGE = (
    "Enter the address of a video on Vimeo or YouTube, such as https://vimeo.com/123456789 "
    "or https://www.youtube.com/watch?v=abcdefghijk. Other sites are not allowed, "
    "because we only embed their privacy-enhanced players."
)


@dataclass(frozen=True)
class VideoRef:
    """A video identified on a provider we allow."""

    provider: str  # "vimeo" or "youtube"
    video_id: str
    private_hash: str = ""

    @property
    def embed_url(self) -> str:
        """The privacy-enhanced player address, starting playback at once.

        Vimeo's ``dnt=1`` stops it tracking the viewer; YouTube's no-cookie domain
        sets no cookies until the video plays.
        """
        if self.provider == "vimeo":
            params = {"dnt": "1", "autoplay": "1"}
            if self.private_hash:
                params = {"h": self.private_hash, **params}
            return f"https://player.vimeo.com/video/{self.video_id}?{urlencode(params)}"
        return f"https://www.youtube-nocookie.com/embed/{self.video_id}?autoplay=1&rel=0"


def parse_video_url(url: str) -> VideoRef:
    """Return the video a Vimeo or YouTube address points at.

    :raises ValidationError: for any other site, scheme or address shape.
    """
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or parts.username or parts.password or parts.port:
        raise ValidationError(INVALID_MESSAGE, code="video_host")
    if host in VIMEO_HOSTS:
        match = VIMEO_PATH.match(parts.path)
        if match:
            return VideoRef("vimeo", match.group(1), match.group(2) or "")
    elif host in YOUTUBE_HOSTS:
        if parts.path in {"/watch", "/watch/"}:
            video_id = parse_qs(parts.query).get("v", [""])[0]
            if YOUTUBE_ID.match(video_id):
                return VideoRef("youtube", video_id)
        match = YOUTUBE_PATH.match(parts.path)
        if match:
            return VideoRef("youtube", match.group(1))
    elif host in YOUTU_BE_HOSTS:
        video_id = parts.path.strip("/")
        if YOUTUBE_ID.match(video_id):
            return VideoRef("youtube", video_id)
    raise ValidationError(INVALID_MESSAGE, code="video_url")


def validate_video_url(url: str) -> None:
    """Model field validator: refuse anything that is not a Vimeo or YouTube video."""
    parse_video_url(url)
