"""A credit report as HTML (one Jinja2 template, ``api/templates/report.html.j2``) and as
PDF rendered from that HTML by WeasyPrint (with Debian's pango; the CJK font is the
project's, fonts-wqy-microhei, which scripts/test installs beside chromium).

The template's labels are msgids of the message catalogue (:mod:`graph_model.i18n`):
``_()`` through Jinja2's i18n extension with :class:`graph_model.i18n.Translations`, ``t()``
for a sentence with placeholders, and a ``day`` filter that writes an ISO date as the
language does.  The same report (the same data, number and hash) renders in Chinese by
default or in English: the labels change, the data does not (its sentences are the
canonical language's, :data:`queries.reports.report.LANGUAGE`).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

from graph_model import i18n
from queries.reports import CreditReport

__all__ = ["render_html", "render_pdf", "verify_path", "day_text"]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("api", "templates"),
                       autoescape=select_autoescape(["html", "j2"]),
                       extensions=["jinja2.ext.i18n"])


def verify_path(report: CreditReport) -> str:
    """Where a printed copy is checked: ``/verify/<number>?sha256=<hash>``."""
    return f"/verify/{quote(report.number)}?sha256={report.sha256}"


def render_html(report: CreditReport, lang: str | None = None, *, base_url: str = "") -> str:
    """The report as one HTML page in ``lang`` (``zh-CN`` or ``en``; default: the current
    language, :func:`graph_model.i18n.language`); ``base_url``: prefixed to the
    verification path."""
    lang = i18n.normalize(lang) or i18n.language()
    env = _environment().overlay()
    env.install_gettext_translations(i18n.Translations(lang), newstyle=True)
    env.globals["t"] = lambda msgid, **params: i18n.message(msgid, lang, **params)
    env.filters["day"] = lambda value: day_text(value, lang)
    template = env.get_template("report.html.j2")
    return template.render(doc=report.doc, sha256=report.sha256, lang=lang,
                           verify_url=base_url.rstrip("/") + verify_path(report))


def day_text(value, lang: str) -> str:
    """A day (a date, or its ISO text as a report holds it) as ``lang`` writes it; "" for
    none, other text as it is.

    >>> day_text("2026-08-01", "zh-CN"), day_text("2026-08-01", "en"), day_text(None, "en")
    ('2026年8月1日', '2026-08-01', '')
    """
    if isinstance(value, str) and value:
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return i18n.format_date(value, lang) if isinstance(value, dt.date) else str(value or "")


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML page (A4), rendered by WeasyPrint."""
    from weasyprint import HTML  # imported when a PDF is asked for: it loads pango

    return HTML(string=html).write_pdf()
