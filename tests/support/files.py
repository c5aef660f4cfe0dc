"""Exchange-format files written by hand: codes completed with their check character by
stdnum (not by the code under test), a small enterprises file, and writing a file into a
folder."""

from __future__ import annotations

from pathlib import Path

from stdnum.cn import ric, uscc


def code(body17: str) -> str:
    """A USCC: ``body17`` and its check character."""
    return body17 + uscc.calc_check_digit(body17)


def rid(body17: str) -> str:
    """A resident ID number: ``body17`` and its check character."""
    return body17 + ric.calc_check_digit(body17 + "0")  # (stdnum reads 18 characters)


FIRM, FIRM2 = code("91320505MA1MQ7X08"), code("91320211MA1Y4E9K0")
ZHANG = rid("32040219840312035")  # 苏州甲's legal representative
#: two enterprises, the first with a legal representative (a person)
FIRMS = (
    "统一社会信用代码,企业名称,注册地区划代码,法定代表人姓名,法定代表人身份证号\n"
    f"{FIRM},苏州甲运输有限公司,320505,张三,{ZHANG}\n"
    f"{FIRM2},无锡乙物流有限责任公司,320211,,\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    """``text`` written as ``folder/name`` (UTF-8), the folder made if need be."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
