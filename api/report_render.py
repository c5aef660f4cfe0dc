"""A credit report as HTML (one Jinja2 template, ``api/templates/report.html.j2``) and as
PDF rendered from that HTML by WeasyPrint (with Debian's pango; the CJK font is the
project's, fonts-wqy-microhei, which scripts/test installs beside chromium).

The template's labels go through Jinja2's i18n extension (``_()``): with no translations
given they are the English message ids; a gettext catalogue (zh-CN / en) passed as
``translations`` renders the same report in that language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

from queries.reports import CreditReport

__all__ = ["render_html", "render_pdf", "verify_path"]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("api", "templates"),
                       autoescape=select_autoescape(["html", "j2"]),
                       extensions=["jinja2.ext.i18n"])


def verify_path(report: CreditReport) -> str:
    """Where a printed copy is checked: ``/verify/<number>?sha256=<hash>``."""
    return f"/verify/{quote(report.number)}?sha256={report.sha256}"


def render_html(report: CreditReport, *, translations: Any = None, lang: str = "zh-CN",
                base_url: str = "") -> str:
    """The report as one HTML page; ``translations``: a gettext translations object for
    the labels (None: the message ids), ``base_url``: prefixed to the verification path."""
    env = _environment().overlay()
    if translations is None:
        env.install_null_translations(newstyle=True)
    else:
        env.install_gettext_translations(translations, newstyle=True)
    template = env.get_template("report.html.j2")
    return template.render(doc=report.doc, sha256=report.sha256, lang=lang,
                           verify_url=base_url.rstrip("/") + verify_path(report))


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML page (A4), rendered by WeasyPrint."""
    from weasyprint import HTML  # imported when a PDF is asked for: it loads pango

    return HTML(string=html).write_pdf()
