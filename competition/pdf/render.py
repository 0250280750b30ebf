"""PDF rendering: the only module of the project that imports WeasyPrint (ARCHITECTURE.md, "PDF").

Facts this module is built on (measured on our machines):

* One :class:`FontConfiguration` is reused per thread of a process (a new one per call grew a process to
  nearly 1 GB) and never shared between threads (GLib heap corruption): :func:`font_config` keeps one per
  thread, and batches render in worker processes (:mod:`competition.pdf.batch`).
* HarfBuzz's subsetter (``libharfbuzz-subset0``) must be present, else WeasyPrint falls back to a
  pure-Python subsetter about 40× slower: importing this module raises :class:`PdfEnvironmentError`
  without it.
* Resources are fetched by :class:`StaticFetcher`: files under ``static/`` (relative URLs, ``static:``
  URLs, or ``file:`` URLs inside that folder) and ``data:`` URIs; anything else — other files, the
  network — raises :class:`ResourceRefused` and stops the render.

Fonts: the family chain is in ``static/certificates/fonts.css`` (the registry, with the Debian package
of each family); :func:`check_fonts` verifies every family is installed.
"""

from __future__ import annotations

import mimetypes
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from competition.pdf.documents import STATIC_DIR, Document, render_html, stylesheets, template_version


class PdfEnvironmentError(RuntimeError):
    """The machine lacks something rendering needs (a library or a font); the message names the Debian
    package to install."""


import weasyprint  # noqa: E402 - the exception above must exist before the start-up check below
from weasyprint.text import ffi as _weasyprint_ffi  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

if getattr(_weasyprint_ffi, "harfbuzz_subset", None) is None:
    raise PdfEnvironmentError(
        "WeasyPrint cannot find HarfBuzz's subsetter (libharfbuzz-subset0): font subsetting would fall back "
        "to a pure-Python subsetter ~40x slower. Install the Debian package libharfbuzz-subset0."
    )

__all__ = [
    "FONT_REGISTRY",
    "PdfEnvironmentError",
    "RenderedPdf",
    "ResourceRefused",
    "StaticFetcher",
    "check_fonts",
    "font_config",
    "html_to_pdf",
    "render",
    "render_documents",
]

FONT_REGISTRY = STATIC_DIR / "certificates" / "fonts.css"


class ResourceRefused(ValueError):
    """A layout asked for a resource outside ``static/`` or on the network."""


# ---------------------------------------------------------------------------------------------------------
# Fetching


class StaticFetcher(URLFetcher):
    """Serves files under ``root`` (``static/`` by default) and ``data:`` URIs; refuses everything else by
    raising :class:`ResourceRefused` (WeasyPrint then stops: ``fail_on_errors``)."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        super().__init__(
            fail_on_errors=True, allowed_protocols=("data", "file", "static"), allow_redirects=False
        )
        self.root = Path(root).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """The resource at ``url``; raises :class:`ResourceRefused` for one we do not serve and
        :class:`FileNotFoundError` for a missing static file."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "static":
            path = self.root / unquote(urlsplit(url).path).lstrip("/")
        elif scheme == "file":
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise ResourceRefused(f"refused (not a local file): {url}")
            path = Path(url2pathname(unquote(parts.path)))
        else:
            raise ResourceRefused(f"refused (network or unknown scheme): {url[:200]}")
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise ResourceRefused(f"refused (outside {self.root}): {url[:200]}")
        mime = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        return URLFetcherResponse(resolved.as_uri(), resolved.read_bytes(), {"Content-Type": mime})


# ---------------------------------------------------------------------------------------------------------
# Fonts


_local = threading.local()


def font_config() -> FontConfiguration:
    """This thread's :class:`FontConfiguration`, made on first use (after :func:`check_fonts`)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        check_fonts()
        config = _local.font_config = FontConfiguration()
    return config


_FAMILY_RE = re.compile(r'"([^"]+)"\s*,?\s*/\*\s*(fonts-[a-z0-9-]+)')


def _registry() -> dict[str, str]:
    families = dict(_FAMILY_RE.findall(FONT_REGISTRY.read_text(encoding="utf-8")))
    if not families:
        raise PdfEnvironmentError(f"{FONT_REGISTRY} names no font family")
    return families


_checked = threading.Event()


def check_fonts() -> dict[str, str]:
    """Check every family of the registry is installed (``fc-list``); return family → Debian package.

    Raises :class:`PdfEnvironmentError` naming the missing families and their packages."""
    families = _registry()
    if _checked.is_set():
        return families
    listing = subprocess.run(
        ["fc-list", "--format", "%{family}\n"], capture_output=True, text=True, check=True
    ).stdout
    installed = {name.strip() for line in listing.splitlines() for name in line.split(",")}
    missing = {family: package for family, package in families.items() if family not in installed}
    if missing:
        wanted = ", ".join(f"{family} ({package})" for family, package in missing.items())
        raise PdfEnvironmentError(f"fonts missing for certificates: {wanted}")
    _checked.set()
    return families


# ---------------------------------------------------------------------------------------------------------
# Rendering


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    """A rendered PDF: its bytes, the layout version(s) it was made with and its page count."""

    data: bytes
    template_version: str
    pages: int


def _stylesheet(href: str) -> weasyprint.CSS:
    cache = _local.__dict__.setdefault("stylesheets", {})
    if href not in cache:
        cache[href] = weasyprint.CSS(
            url=STATIC_DIR.joinpath(href).as_uri(), url_fetcher=StaticFetcher(), font_config=font_config()
        )
    return cache[href]


def _write(html: str, css: list[str] | None = None) -> tuple[bytes, int]:
    try:
        document = weasyprint.HTML(
            string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticFetcher()
        ).render(font_config=font_config(), stylesheets=[_stylesheet(href) for href in css or ()])
        return document.write_pdf(), len(document.pages)
    except FatalURLFetchingError as error:
        cause = error.__cause__
        if isinstance(cause, ResourceRefused | FileNotFoundError):
            raise cause from None
        raise ResourceRefused(str(error)) from cause


def html_to_pdf(html: str) -> bytes:
    """Render a complete HTML document (relative URLs resolve in ``static/``) to PDF bytes with this
    thread's font configuration. Raises :class:`ResourceRefused` if it references anything outside
    ``static/`` or ``data:``, :class:`FileNotFoundError` for a missing static file."""
    return _write(html)[0]


def render(document: Document) -> RenderedPdf:
    """One document as a one-page PDF, with the version of its layout. Errors as :func:`html_to_pdf`."""
    data, pages = _write(
        render_html([document], title=_title(document), links=False), stylesheets([document])
    )
    return RenderedPdf(data, template_version(document), pages)


def render_documents(documents: list[Document] | tuple[Document, ...]) -> RenderedPdf:
    """Several documents as one multi-page PDF (one page each, fonts embedded once); ``template_version``
    lists the distinct versions, comma-separated, in order of first use."""
    html = render_html(documents, title=_title(documents[0]) if documents else "", links=False)
    data, pages = _write(html, stylesheets(documents))
    versions = list(dict.fromkeys(template_version(document) for document in documents))
    return RenderedPdf(data, ",".join(versions), pages)


def _title(document: Document) -> str:
    return type(document).TITLE
