"""Every page the server sends loads its scripts, styles and images from the server itself:
the dashboard's pages, its sign-in and error pages, and the API's ``/docs`` (Swagger UI,
vendored in ``static/vendor/swagger-ui/``). FastAPI's own docs pages, which load from a
CDN, are off."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SWAGGER = Path(str(resources.files("legame.web"))) / "static" / "vendor" / "swagger-ui"
#: Elements and the attribute that makes the browser fetch something.
FETCHING = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}


class _Sources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = FETCHING.get(tag)
        for name, value in attrs:
            if value is not None and (name == wanted or name == "style"):
                self.sources.append(value)


def _remote(page: str) -> list[str]:
    parser = _Sources()
    parser.feed(page)
    pattern = re.compile(r"(^|url\(\s*['\"]?)\s*(https?:)?//", re.IGNORECASE)
    remote = [s for s in parser.sources if pattern.search(s)]
    inline_css = re.findall(r"<style[^>]*>(.*?)</style>", page, re.S | re.I)
    remote += [css for css in inline_css if re.search(r"(@import|url\()\s*['\"]?(https?:)?//", css)]
    return remote


def test_the_scanner_sees_remote_sources() -> None:
    page = (
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" '
        'href="//cdn.example/x.css"><img src="/static/ok.svg"><script src="/static/ok.js">'
        "</script><style>@import url(https://fonts.example/css);</style>"
    )
    assert len(_remote(page)) == 3


def test_no_served_page_loads_anything_from_another_host(signed_in, client: TestClient) -> None:
    admin = signed_in("admin")
    first = admin.get("/customers").text.split('href="/customers/', 1)[1].split('"')[0]
    pages = {
        path: admin.get(path)
        for path in (
            "/",
            "/customers",
            f"/customers/{first}",
            "/findings",
            "/engagement",
            "/validation",
            "/messages/check",
            "/no-such-page",
        )
    }
    pages["/signin"] = client.get("/signin")
    pages["/docs"] = client.get("/docs")
    for path, response in pages.items():
        assert response.headers["content-type"].startswith("text/html"), path
        assert _remote(response.text) == [], path
        assert "cdn." not in response.text and "jsdelivr" not in response.text, path


def test_docs_serve_the_vendored_swagger_ui_under_a_strict_policy(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "connect-src 'self';" in csp
    assert "unsafe-eval" not in csp
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', response.text):
        assert client.get(asset).status_code == 200, asset
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in response.text
    assert 'data-openapi="/openapi.json"' in response.text
    assert "<script>" not in response.text  # no inline script: the policy allows none
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize("path", ["/redoc", "/docs/oauth2-redirect"])
def test_fastapis_cdn_pages_are_off(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_vendored_swagger_ui_is_the_version_and_hashes_the_readme_records() -> None:
    readme = (SWAGGER / "README.md").read_text("utf-8")
    rows = re.findall(
        r"^\| swagger-ui-dist \| ([0-9.]+) \| `([\w.-]+)` \| `(\w{64})`", readme, re.M
    )
    assert {file for _, file, _ in rows} == {"swagger-ui-bundle.js", "swagger-ui.css"}
    for version, file, digest in rows:
        data = (SWAGGER / file).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, file
        if file.endswith(".js"):
            assert f'"{version}"' in data.decode("utf-8"), (file, version)
    assert "Apache License" in (SWAGGER / "LICENSE").read_text("utf-8")
    assert "swagger-ui" in (SWAGGER / "NOTICE.txt").read_text("utf-8")
    assert "React" in (SWAGGER / "swagger-ui-bundle.js.LICENSE.txt").read_text("utf-8")
