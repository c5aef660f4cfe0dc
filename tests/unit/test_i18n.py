"""The message catalogue (graph_model/i18n.py, graph_model/locale/): every message the code
uses has a Chinese and an English entry, every entry is used, and both languages fill in the
same placeholders.

A msgid is "used" when the code names it: a string literal of the form ``area.what`` (an
area being one the catalogue has: ``error``, ``recognition``, ``dashboard``, ...) in a
Python module, in the dashboard's files (``t("...")``, ``data-i18n="..."``) or a template
(``_("...")``), or made from the rule data (``discipline.measure.<code>`` for each measure
of ``discipline.yaml``, its triggers and propagation rules).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from graph_model.i18n import LANGUAGES, catalogue, message, negotiate, placeholders

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("graph_model", "loaders", "queries", "api", "creditkb")
MSGID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
#: literals of that form that are file names, not msgids
FILE_ENDINGS = {"yaml", "yml", "py", "csv", "json", "po", "txt", "html", "js", "css", "log",
                "sqlite3", "xlsx", "png", "j2"}
PO = {lang: f"graph_model/locale/{lang.replace('-', '_')}/LC_MESSAGES/creditkb.po"
      for lang in LANGUAGES}


def _areas() -> set[str]:
    return {m.split(".")[0] for lang in LANGUAGES for m in catalogue(lang)}


def _python_uses(areas: set[str]) -> dict[str, str]:
    """msgid → where it is first used (file:line), from the string literals of the code."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and MSGID.match(node.value) and node.value.split(".")[0] in areas
                        and node.value.rsplit(".", 1)[1] not in FILE_ENDINGS):
                    found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _static_uses(areas: set[str]) -> dict[str, str]:
    """msgid → where, from the dashboard's files and any template (a Jinja2 template's
    ``_("...")``), vendored libraries aside."""
    found: dict[str, str] = {}
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*")
             if p.suffix in (".js", ".html", ".j2", ".jinja") and "vendor" not in p.parts]
    for path in sorted(files):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in re.finditer(r"""["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""", line):
                if m.group(1).split(".")[0] in areas:
                    found.setdefault(m.group(1), f"{path.relative_to(ROOT)}:{i}")
    return found


def _data_uses() -> dict[str, str]:
    """The names of joint discipline's measures, triggers and propagation rules (made from
    the rule data by queries/rules/wording.py's ``name``), with their Chinese name."""
    doc = yaml.safe_load((ROOT / "queries/data/discipline.yaml").read_text(encoding="utf-8"))
    names = {"discipline.rule.self": "本主体"}
    for section, kind in (("measures", "measure"), ("triggers", "trigger"),
                          ("propagation", "rule")):
        for item in doc[section]:
            names[f"discipline.{kind}.{item['code']}"] = item["name"]
    return names


def _uses() -> dict[str, str]:
    areas = _areas()
    data = {m: "queries/data/discipline.yaml" for m in _data_uses()}
    return {**data, **_static_uses(areas), **_python_uses(areas)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_used_in_code_has_an_entry_in_each_language(lang):
    missing = {m: where for m, where in _uses().items() if m not in catalogue(lang)}
    assert not missing, "\n".join(
        f"msgid {m!r} (used at {where}) has no {lang} entry: add it to {PO[lang]}"
        for m, where in sorted(missing.items()))


def test_every_catalogue_entry_is_used():
    used = _uses()
    unused = sorted({m for lang in LANGUAGES for m in catalogue(lang)} - set(used))
    assert not unused, "\n".join(
        f"msgid {m!r} is in the catalogue but no code uses it: remove it from "
        f"{' and '.join(PO.values())}" for m in unused)


def test_both_languages_fill_in_the_same_placeholders():
    zh, en = catalogue("zh-CN"), catalogue("en")
    differ = sorted(m for m in set(zh) & set(en) if placeholders(zh[m]) != placeholders(en[m]))
    assert not differ, "\n".join(
        f"msgid {m!r}: zh-CN fills in {sorted(placeholders(zh[m]))}, en "
        f"{sorted(placeholders(en[m]))}" for m in differ)


def test_the_chinese_names_of_discipline_are_the_rule_data_s():
    zh = catalogue("zh-CN")
    differ = {m: (zh.get(m), name) for m, name in _data_uses().items() if zh.get(m) != name}
    assert not differ, "\n".join(
        f"msgid {m!r}: the catalogue says {got!r}, queries/data/discipline.yaml {want!r}"
        for m, (got, want) in sorted(differ.items()))


def test_a_message_is_whole_sentences_in_the_language_asked():
    assert message("error.out_of_scope", "en") == "no such subject within the scope of this key"
    assert message("error.out_of_scope", "zh-CN") == "本密钥权限范围内无此主体"
    assert message("error.out_of_scope", "zh-TW") == "本密钥权限范围内无此主体"  # Chinese
    with pytest.raises(KeyError, match="'no.such_msgid' has no en entry"):
        message("no.such_msgid", "en")


def test_the_language_is_negotiated_from_accept_language():
    assert negotiate("en-US,en;q=0.9") == "en"
    assert negotiate("fr-FR, en;q=0.5, zh-CN;q=0.8") == "zh-CN"
    assert negotiate("fr-FR") == negotiate("") == negotiate(None) == "zh-CN"
    assert negotiate("zh;q=0, en") == "en"
