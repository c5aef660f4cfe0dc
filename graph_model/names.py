"""Normalised enterprise names, the key by which a row that names a firm without its
USCC is matched to the stored firm.

Agencies write one firm's name in several ways: full-width or half-width brackets and
digits, stray spaces, and company-form variants (有限公司, 有限责任公司, 股份有限公司) for
the same registration. The normal form folds all of these; it is for matching only and is
never shown.
"""

from __future__ import annotations

import unicodedata

import pandas as pd

# Longest first: 有限责任公司 must not be read as 有限 + 责任公司.
COMPANY_FORMS = ("股份有限公司", "有限责任公司", "有限公司")
FOLDED_FORM = "有限公司"


def normalise_name(name: str) -> str:
    """The name folded for matching: NFKC, no white space, one company form.

    >>> normalise_name(" 苏州恒通 危险品运输有限责任公司（吴中）")
    '苏州恒通危险品运输有限公司(吴中)'
    """
    text = "".join(unicodedata.normalize("NFKC", name).split())
    for form in COMPANY_FORMS:
        text = text.replace(form, FOLDED_FORM)
    return text


def fold(text) -> str:
    """One text as :func:`fold_text` folds a column's: NFKC without white space ('' for
    none), the form agency names are keyed by.

    >>> fold(" 长江航务 管理局 ")
    '长江航务管理局'
    """
    return "".join(unicodedata.normalize("NFKC", str(text)).split()) if text is not None else ""


def fold_text(texts: pd.Series) -> pd.Series:
    """NFKC (full-width to half-width) without white space; empty becomes null."""
    texts = texts.astype("string")
    # Columns such as agency names repeat a few values many times: fold each one once.
    codes, distinct = pd.factorize(texts.array)
    text = pd.Series(distinct, dtype="string").map(
        lambda s: unicodedata.normalize("NFKC", s) if isinstance(s, str) else s
    ).astype("string").str.replace(r"\s+", "", regex=True)
    text = text.where(text.str.len() > 0)
    return pd.Series(text.array.take(codes, allow_fill=True), index=texts.index, name=texts.name)


def normalise_names(names: pd.Series) -> pd.Series:
    """Column-wise :func:`normalise_name`; null stays null."""
    text = fold_text(names)
    for form in COMPANY_FORMS:
        text = text.str.replace(form, FOLDED_FORM, regex=False)
    return text
