"""What podcast directories ask of a feed: Apple's categories, and artwork they accept.

Apple Podcasts (and Spotify, which follows it) take a show's category from a fixed list, each
with its own subcategories, and its artwork as a square JPEG or PNG of 1400 to 3000 pixels a
side. Both are checked where they are configured (`newsvoice.settings`), so that a feed is
never refused by a directory for them. The artwork is checked with Pillow where it is
installed, else by reading the PNG or JPEG header (which is all the check needs).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}
"""Apple Podcasts' categories and their subcategories (podcasters.apple.com, "Apple Podcasts
categories")."""

ARTWORK_MIN = 1400
ARTWORK_MAX = 3000
ARTWORK_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}


def check_category(category: str, subcategory: str | None) -> None:
    """Raise ValueError, naming what Apple accepts, unless CATEGORY (and SUBCATEGORY) is Apple's."""
    if category not in APPLE_CATEGORIES:
        raise ValueError(f"{category!r} is not an Apple Podcasts category: {', '.join(APPLE_CATEGORIES)}")
    allowed = APPLE_CATEGORIES[category]
    if subcategory and subcategory not in allowed:
        named = ", ".join(allowed) if allowed else "none"
        raise ValueError(f"{subcategory!r} is not a subcategory of {category} (Apple's: {named})")


@dataclass(frozen=True)
class Artwork:
    path: Path
    kind: str
    """png or jpeg."""
    width: int
    height: int

    @property
    def media_type(self) -> str:
        return ARTWORK_TYPES[self.kind]

    @property
    def extension(self) -> str:
        return "png" if self.kind == "png" else "jpg"


def check_artwork(path: Path) -> Artwork:
    """The podcast artwork at PATH; ValueError saying what is wrong unless it is a square PNG
    or JPEG of 1400 to 3000 pixels a side (what Apple Podcasts and Spotify accept)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read the podcast artwork {path}: {error.strerror or error}") from None
    kind, width, height = _image_size(data, path)
    if width != height:
        raise ValueError(f"the podcast artwork {path} is {width}×{height} px: it must be square")
    if not ARTWORK_MIN <= width <= ARTWORK_MAX:
        raise ValueError(
            f"the podcast artwork {path} is {width}×{height} px: it must be from "
            f"{ARTWORK_MIN}×{ARTWORK_MIN} to {ARTWORK_MAX}×{ARTWORK_MAX} px"
        )
    return Artwork(path, kind, width, height)


def _image_size(data: bytes, path: Path) -> tuple[str, int, int]:
    try:
        from PIL import Image  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return _header_size(data, path)
    import io

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = (image.format or "").lower()
            if kind not in ARTWORK_TYPES:
                raise ValueError(f"the podcast artwork {path} is {image.format}: it must be a PNG or JPEG")
            return kind, image.width, image.height
    except (OSError, SyntaxError):
        raise ValueError(f"the podcast artwork {path} is not an image Pillow can read") from None


def _header_size(data: bytes, path: Path) -> tuple[str, int, int]:
    """The kind and size of a PNG (its IHDR chunk) or a JPEG (its first start-of-frame)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:3] == b"\xff\xd8\xff":
        at = 2
        while at + 4 <= len(data):
            if data[at] != 0xFF:
                break
            marker = data[at + 1]
            if marker == 0xFF:  # padding
                at += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
                at += 2
                continue
            (length,) = struct.unpack(">H", data[at + 2 : at + 4])
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                if at + 9 > len(data):
                    break
                height, width = struct.unpack(">HH", data[at + 5 : at + 9])
                return "jpeg", width, height
            at += 2 + length
        raise ValueError(f"the podcast artwork {path} is a JPEG whose size cannot be read (truncated?)")
    raise ValueError(f"the podcast artwork {path} is neither a PNG nor a JPEG")
