"""Messages for people, in the reader's language: Chinese (``zh-CN``) first, English (``en``)
on request.

Every sentence creditkb shows a person (an explanation, a reason, an error, a load summary,
the dashboard's labels) is one entry of the message catalogue, a gettext ``.po`` file per
language read with Babel (``graph_model/locale/<lang>/LC_MESSAGES/creditkb.po``).  A msgid
is a dotted name (``recognition.explain.found``), never the English text, and its
translations are whole sentences with named ``{placeholders}``: no language gets glued
fragments.  One function gives a message::

    message("error.out_of_scope")                 # in the current language
    message("recognition.explain.none", "en", region="320500", as_of=day)

The current language is carried by a context variable: the API sets it per request from
``Accept-Language`` (:func:`negotiate`), the command line from ``LANG``
(:func:`from_environ`); code that runs in a thread pool copies the context.  A ``date``
parameter is written as the language writes dates (``2026年4月1日``; ISO ``2026-04-01``
in English), an ``int`` or ``float`` with the language's digit grouping.

Adding a message: add the msgid with its sentence to both ``.po`` files and call
``message("the.msgid", **params)``; ``tests/unit/test_i18n.py`` fails, naming the msgid,
when a message used in code lacks an entry in either language, when an entry is unused, or
when the two languages' placeholders differ.

Examples
--------
>>> message("error.out_of_scope", "en")
'no such subject within the scope of this key'
>>> message("error.out_of_scope", "zh-CN")
'本密钥权限范围内无此主体'
>>> import datetime as dt
>>> with use_language("zh-CN"):
...     message("recognition.explain.none", region="苏州市（320500）",
...             as_of=dt.date(2026, 6, 1))
'截至2026年6月1日，苏州市（320500）无可予认定的信用评价等级。'
>>> negotiate("en-GB,en;q=0.9,zh;q=0.5"), negotiate("zh-TW"), negotiate(None)
('en', 'zh-CN', 'zh-CN')
>>> from_environ({"LANG": "zh_CN.UTF-8"}), from_environ({"LANG": "C.UTF-8"})
('zh-CN', 'en')
>>> Translations("en").gettext("error.out_of_scope")  # for Jinja2's i18n extension
'no such subject within the scope of this key'
"""

from __future__ import annotations

import contextvars
import datetime as dt
import string
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Iterator, Mapping

__all__ = ["DEFAULT", "LANGUAGES", "message", "language", "set_language", "use_language",
           "negotiate", "from_environ", "normalize", "catalogue", "messages", "placeholders",
           "format_date", "format_number", "Translations"]

DEFAULT = "zh-CN"
LANGUAGES = ("zh-CN", "en")
_DOMAIN = "creditkb"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("creditkb_language",
                                                                default=DEFAULT)


def normalize(lang: str | None) -> str | None:
    """One of :data:`LANGUAGES` for a language tag or POSIX locale name (``zh``,
    ``zh_CN.UTF-8``, ``en-US``, ...), or None when it is neither Chinese nor English."""
    if not lang:
        return None
    tag = lang.strip().split(".")[0].split("@")[0].replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def language() -> str:
    """The language of the current request or command."""
    return _current.get()


def set_language(lang: str | None) -> contextvars.Token:
    """Make ``lang`` (normalised; the default when unknown) the current language; returns
    the token that :meth:`contextvars.ContextVar.reset` takes back."""
    return _current.set(normalize(lang) or DEFAULT)


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    token = set_language(lang)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def negotiate(accept_language: str | None, default: str = DEFAULT) -> str:
    """The language an ``Accept-Language`` header asks for: the first of its tags, by
    quality, that is Chinese or English; ``default`` when none is."""
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, i, tag))
    for _, _, tag in sorted(ranked):
        found = normalize(tag)
        if found:
            return found
    return default


def from_environ(environ: Mapping[str, str]) -> str:
    """The command line's language: Chinese when the locale (``LC_ALL``, ``LC_MESSAGES`` or
    ``LANG``, the first set) starts with ``zh``, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """msgid → sentence of one language's catalogue (read once)."""
    from babel.messages.pofile import read_po

    folder = lang.replace("-", "_")
    path = resources.files("graph_model").joinpath(f"locale/{folder}/LC_MESSAGES/{_DOMAIN}.po")
    with path.open("rb") as f:
        cat = read_po(f, locale=folder, domain=_DOMAIN)
    return {m.id: m.string for m in cat if m.id and m.string}


def messages(lang: str, *areas: str) -> dict[str, str]:
    """The entries of ``areas`` (``dashboard``, ``common``, ...) in ``lang``: what a page
    that words itself (the dashboard) fetches."""
    return {m: text for m, text in catalogue(lang).items() if m.split(".")[0] in areas}


def placeholders(text: str) -> frozenset[str]:
    """The named ``{placeholders}`` of a sentence."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def format_date(day: dt.date, lang: str) -> str:
    """A day as the language writes it: 2026年4月1日, or ISO 2026-04-01."""
    if lang == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def format_number(value: int | float, lang: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=lang.replace("-", "_"))


def _shown(value, lang: str):
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return format_date(value, lang)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, lang)
    return value


def message(msgid: str, lang: str | None = None, /, **params) -> str:
    """The sentence ``msgid`` in ``lang`` (default: the current language) with ``params``
    filled in.  A msgid without an entry raises KeyError naming it (the catalogue test
    keeps that from reaching a user)."""
    lang = normalize(lang) or _current.get()
    try:
        text = catalogue(lang)[msgid]
    except KeyError:
        raise KeyError(f"message {msgid!r} has no {lang} entry in "
                       f"graph_model/locale/{lang.replace('-', '_')}/LC_MESSAGES/"
                       f"{_DOMAIN}.po") from None
    if not params:
        return text
    return text.format_map({k: _shown(v, lang) for k, v in params.items()})


class Translations:
    """The catalogue of one language as gettext's interface (``gettext``, ``ngettext``,
    ``pgettext``), for Jinja2's i18n extension (``env.install_gettext_translations``):
    a template writes ``{{ _("report.title") }}``."""

    def __init__(self, lang: str):
        self.lang = normalize(lang) or DEFAULT

    def gettext(self, msgid: str) -> str:
        return message(msgid, self.lang)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return message(singular if n == 1 else plural, self.lang)

    def pgettext(self, context: str, msgid: str) -> str:
        return message(f"{context}.{msgid}", self.lang)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.pgettext(context, singular if n == 1 else plural)
