"""How news text is written: the shapes that extraction and narration both recognize."""

from __future__ import annotations

MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
"""A month's name, whole or cut short ("Sept.", "November"), capitalized: compiled with
re.IGNORECASE, in any case."""


def is_shouted(text: str) -> bool:
    """Whether TEXT is written in capitals: four letters or more, every one upper case."""
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 4 and all(char.isupper() for char in letters)
