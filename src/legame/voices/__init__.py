"""What customers say in their own words: survey comments, the language each is written
in, and the comments page's list (search, NPS group, period, language)."""

from legame.voices.comments import list_comments
from legame.voices.languages import detect_comment_languages, record_comment_languages

__all__ = ["detect_comment_languages", "list_comments", "record_comment_languages"]
