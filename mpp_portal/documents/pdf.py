"""HTML to PDF with WeasyPrint, from local files only.

A document printed by the portal must not depend on the network: a CDN
that is down, slow or changed would change an official document. The URL
fetcher below therefore serves ``data:`` URIs and files under a few local
directories, and refuses everything else. A refused or missing resource
stops the rendering instead of leaving a silently broken document.
"""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

logger = logging.getLogger(__name__)

# Fonts, the emblem and the print stylesheet live here; the template's
# base_url points at it so `url(fonts/DejaVuSerif.ttf)` resolves locally.
ASSETS_DIR = Path(__file__).resolve().parent / "static" / "documents"


def allowed_roots():
    """Directories a document may read files from."""
    roots = [ASSETS_DIR, *(Path(p) for p in settings.STATICFILES_DIRS), Path(settings.MEDIA_ROOT)]
    return [root.resolve() for root in roots]


class DocumentRenderError(Exception):
    """A template asked for a resource that is not local, or missing."""


class LocalOnlyURLFetcher(URLFetcher):
    """Fetch ``data:`` URIs and local files under :func:`allowed_roots` only."""

    def __init__(self, roots=None):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self._roots = [Path(r).resolve() for r in roots] if roots else allowed_roots()

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise PermissionError(f"Document asset outside the allowed folders: {path}")
        elif scheme != "data":
            # http, https, ftp...: nothing is loaded from the internet.
            raise PermissionError(f"Document asset must be local, refused: {url}")
        return super().fetch(url, headers)


def render_pdf(template_name, context=None, *, request=None):
    """Render a Django template to PDF bytes (A4, local fonts and assets)."""
    html = render_to_string(template_name, context or {}, request=request)
    return html_to_pdf(html)


def html_to_pdf(html):
    document = HTML(
        string=html,
        base_url=ASSETS_DIR.as_uri() + "/",
        url_fetcher=LocalOnlyURLFetcher(),
        media_type="print",
    )
    try:
        return document.write_pdf()
    except FatalURLFetchingError as exc:
        # WeasyPrint's error derives from BaseException, which views and
        # Celery tasks would not catch; hand callers an ordinary exception.
        raise DocumentRenderError(f"{exc}: {exc.__cause__}") from exc


def qr_data_uri(data, *, scale=4):
    """Return an SVG data URI of a QR code for ``data`` (made locally by segno)."""
    qr = segno.make(data, error="m", micro=False)
    return qr.svg_data_uri(scale=scale, border=2, dark="#000", light="#fff")
