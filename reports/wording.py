"""Small helpers that keep takeaway sentences grammatical."""


def plural(count: int, noun: str) -> str:
    """`1 trial`, `3 trials`."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
