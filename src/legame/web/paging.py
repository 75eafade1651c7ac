"""Pages of a list on the dashboard: the page a request asks for, and the links to the
pages before and after it (the customers, the comments, the cases)."""

from __future__ import annotations

from fastapi import Request

#: The furthest page a request may ask for (a hand-made ``?page=`` is clamped to it).
MAX_PAGE = 1_000_000


def page_number(request: Request, name: str = "page") -> int:
    """The query parameter ``name``, from 1 to :data:`MAX_PAGE` (1 when it is no number)."""
    try:
        number = int(request.query_params.get(name) or "1")
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def past_the_last(request: Request, number: int, pages: int) -> str | None:
    """The URL of the last page when ``number`` is past it (a stale link, a hand-made
    URL), else None."""
    return str(request.url.include_query_params(page=pages)) if number > pages else None


def page_links(request: Request, number: int, pages: int) -> dict[str, str]:
    """``{"prev": url, "next": url}``, each where there is such a page."""
    links = {}
    if number > 1:
        links["prev"] = str(request.url.include_query_params(page=number - 1))
    if number < pages:
        links["next"] = str(request.url.include_query_params(page=number + 1))
    return links
