"""The host header files (web/_headers for Netlify and Cloudflare Pages, docs/hosting/nginx.conf)
say what index.html's CSP meta tag says, plus what only a header can carry; the page works under
them (the test server sends web/_headers' headers, see handwriting.static_server)."""

from __future__ import annotations

import re

import pytest
from web_support import INIT_SCRIPT, ROOT, VIEWPORT, WEB, attach_error_log, open_app
from web_input import glyph, wait_for

from handwriting.static_server import HEADERS_FILE, headers_for, read_headers_file

pytestmark = pytest.mark.web

NGINX = ROOT / "docs" / "hosting" / "nginx.conf"
IMMUTABLE = "public, max-age=31536000, immutable"
FRAME_ANCESTORS = "frame-ancestors 'none'"


def meta_csp() -> str:
    html = (WEB / "index.html").read_text()
    return re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)


def header_file_rules():
    return read_headers_file(WEB / HEADERS_FILE)


def nginx_headers() -> dict[str, str]:
    text = NGINX.read_text()
    return dict(re.findall(r'^\s*add_header\s+(\S+)\s+"?(.*?)"?\s+always;', text, re.M))


def nginx_cache_control(url_path: str) -> str:
    """What the nginx snippet's map gives ``url_path`` (its regexes in order, then default)."""
    block = re.search(r"map \$uri \$handwriting_cache_control \{(.*?)\}", NGINX.read_text(), re.S)
    default = None
    for key, value in re.findall(r'^\s*(\S+)\s+"([^"]+)";', block.group(1), re.M):
        if key == "default":
            default = value
        elif re.search(key.lstrip("~"), url_path):
            return value
    return default


def page_paths() -> list[str]:
    """Every path the page and its service worker may fetch: the files of web/ but the build
    scripts, the docs and the headers file, and a model file of each kind."""
    skip = ("scripts/", "model/", "README.md", HEADERS_FILE, "vendor/VERSIONS.json")
    files = [p.relative_to(WEB).as_posix() for p in WEB.rglob("*") if p.is_file()]
    return (["/"] + ["/" + f for f in sorted(files) if not f.startswith(skip)]
            + ["/model/manifest.json", "/model/files/" + "0" * 64 + ".bin",
               "/model/files/" + "f" * 64 + ".json"])


def test_header_files_carry_the_pages_csp_and_frame_ancestors():
    csp = meta_csp()
    assert "frame-ancestors" not in csp  # ignored in a meta tag, with a console warning
    site_wide = headers_for(header_file_rules(), "/index.html")
    assert site_wide["Content-Security-Policy"] == f"{csp}; {FRAME_ANCESTORS}"
    nginx = nginx_headers()
    assert nginx.pop("Cache-Control") == "$handwriting_cache_control"
    assert nginx == {k: v for k, v in site_wide.items() if k != "Cache-Control"}
    assert site_wide["X-Content-Type-Options"] == "nosniff"
    assert site_wide["X-Frame-Options"] == "DENY"
    assert site_wide["Cross-Origin-Opener-Policy"] == "same-origin"
    assert site_wide["Referrer-Policy"] == "no-referrer"
    assert {"camera=()", "microphone=()", "geolocation=()"} <= set(
        site_wide["Permissions-Policy"].split(", "))


def test_every_page_file_gets_one_cache_rule_the_same_on_both_hosts():
    rules = header_file_rules()
    for path in page_paths():
        cache = headers_for(rules, path).get("Cache-Control")
        # one rule each: two matching rules would be joined into a contradiction
        expected = IMMUTABLE if path.startswith(("/model/files/", "/vendor/")) else "no-cache"
        assert cache == expected, path
        assert nginx_cache_control(path) == expected, path
    # the headers file is for the host: the service worker does not precache it
    assert HEADERS_FILE not in (WEB / "sw.js").read_text()


def test_a_malformed_headers_file_names_its_line(tmp_path):
    bad = tmp_path / HEADERS_FILE
    bad.write_text("/*\n  X-Frame-Options: DENY\n  no colon here\n")
    with pytest.raises(ValueError, match=r"_headers:3: expected a path or an indented"):
        read_headers_file(bad)


@pytest.mark.slow
def test_the_page_and_its_service_worker_work_under_the_header_csp(browser, site):
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(INIT_SCRIPT)
    try:
        page = ctx.new_page()
        page.errors = attach_error_log(page)
        response = page.goto(site.url)
        sent = response.all_headers()
        assert sent["content-security-policy"] == f"{meta_csp()}; {FRAME_ANCESTORS}"
        assert sent["x-content-type-options"] == "nosniff"
        worker = page.request.get(site.url + "sw.js")
        assert FRAME_ANCESTORS in worker.headers["content-security-policy"]
        open_app(page, site.url)
        assert page.evaluate("handwriting.backend") == "wasm"  # wasm compiles under the CSP
        wait_for(page, "async () => (await navigator.serviceWorker.ready) && "
                       "navigator.serviceWorker.controller !== null", timeout=30_000)
        page.reload()  # now through the service worker
        open_app(page, site.url)
        result = page.evaluate("(s) => handwriting.recognize(s)", glyph("2"))
        assert len(result["top"]) == 3
        assert page.evaluate("window.__cspViolations") == []
        assert page.evaluate("window.__pageErrors") == []
        assert [e for e in page.errors if "favicon" not in e] == []

        # no other site can frame the page
        framer = ctx.new_page()
        framer.set_content(f'<iframe src="{site.url}"></iframe>')
        framer.wait_for_timeout(500)
        inner = [f for f in framer.frames if f != framer.main_frame]
        assert inner and not inner[0].url.startswith(site.url), inner[0].url
    finally:
        ctx.close()
