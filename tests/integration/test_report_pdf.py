"""The credit report printed (issue 18, item 3): the demo's dishonest firm's report rendered
to PDF by WeasyPrint from its one HTML template, page 1 turned into a PNG (pypdfium2), and
the picture checked: not blank, and the subject's name, the report number and the Chinese
title are drawn where the PDF's own text layer puts them (no OCR: the text layer says where
to look, the picture says that something legible is drawn there).  The same report renders
in English from the same data, with the same number and hash (issue 20)."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from PIL import Image

from api.report_render import render_html, render_pdf
from graph_model.i18n import use_language
from queries.reports import Viewer, credit_report
from tests.support.demo import demo_store

NAME = "苏州恒通危险品运输有限公司"
SCALE = 2.0  # 144 dpi


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf")
    store = demo_store(path / "store", "pdf-secret")
    try:
        r = credit_report(store, "Enterprise:91320506MA1MKT3P0P", "320500", "2026-08-01",
                          Viewer("320500", "regulator"))
        with use_language("en"):  # asked in English: the same report
            asked_in_english = credit_report(store, "Enterprise:91320506MA1MKT3P0P", "320500",
                                             "2026-08-01", Viewer("320500", "regulator"))
    finally:
        store.close()
    assert asked_in_english.json == r.json  # byte-identical, so the same number and hash
    pdf = render_pdf(render_html(r))  # the default language: Chinese
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    png = path / "page1.png"
    page.render(scale=SCALE).to_pil().save(png)
    yield r, doc, page, Image.open(png).convert("L")
    doc.close()


def _box_of(page, text: str) -> tuple[int, int, int, int]:
    """The pixel box (left, top, right, bottom) of ``text`` on the rendered page."""
    tp = page.get_textpage()
    found = tp.search(text).get_next()
    assert found is not None, f"{text!r} is not in page 1's text"
    start, count = found
    boxes = [tp.get_charbox(i) for i in range(start, start + count)]
    height = page.get_height()
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    bottom, top = min(b[1] for b in boxes), max(b[3] for b in boxes)
    return (int(left * SCALE), int((height - top) * SCALE),
            int(right * SCALE) + 1, int((height - bottom) * SCALE) + 1)


def _drawn(img: Image.Image, box) -> float:
    """The share of the box's pixels that differ clearly from its most common shade: glyphs
    on a plain ground (white on the banner's blue, or black on white)."""
    region = img.crop(box)
    hist = region.histogram()
    ground = max(range(256), key=hist.__getitem__)
    return sum(n for shade, n in enumerate(hist) if abs(shade - ground) > 60) / sum(hist)


def test_page_one_as_a_picture_is_not_blank_and_shows_the_name_and_number(printed):
    r, doc, page, img = printed
    assert len(doc) >= 2  # a real report, not one line
    assert img.size == (round(page.get_width() * SCALE), round(page.get_height() * SCALE))
    white = img.histogram()[255] / (img.size[0] * img.size[1])
    assert white < 0.97  # ink on the page
    text = page.get_textpage().get_text_range()
    assert NAME in text and r.number in text and r.sha256 in text
    assert "信用报告" in text and "报告编号" in text and "Credit report" not in text
    for word in (NAME, r.number, "信用报告"):
        box = _box_of(page, word)
        assert box[2] - box[0] > 40 and box[3] - box[1] > 8, (word, box)
        assert _drawn(img, box) > 0.05, word  # glyphs drawn there
    # a stretch of the margin is blank: the test can tell ink from none
    assert _drawn(img, (2, 2, 60, 30)) == 0


def test_the_name_is_set_in_an_embedded_cjk_font(printed):
    """Chinese characters drawn in a font that has them (fonts-wqy-microhei, or a Noto CJK
    font where installed), embedded: a printer without the font prints the same."""
    import ctypes

    import pypdfium2.raw as raw

    _, _, page, _ = printed
    tp = page.get_textpage()
    index = tp.get_text_range().index(NAME)
    buf, flags = ctypes.create_string_buffer(256), ctypes.c_int()
    raw.FPDFText_GetFontInfo(tp.raw, index, buf, 256, ctypes.byref(flags))
    name = buf.value.decode("ascii", "replace")
    assert "+" in name  # a subset embedded in the file
    assert any(f in name for f in ("WenQuanYi", "NotoSansCJK", "SourceHanSans")), name


def test_the_same_report_renders_in_either_language_with_the_same_number(printed):
    r = printed[0]
    zh, en = render_html(r, "zh-CN"), render_html(r, "en")
    for page in (zh, en):
        assert NAME in page and r.number in page and r.sha256 in page
    assert zh.count(r.number) == en.count(r.number)
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    for label in ("信用报告", "报告编号", "统一社会信用代码", "认定等级", "联合惩戒措施", "信用修复",
                  "异议"):
        assert label in zh and label not in en, label
    for label in ("Credit report", "Report number", "Unified social credit code",
                  "Recognised grade", "Measures of joint discipline", "Repair", "Objections",
                  "2026-08-01"):
        assert label in en, label
    assert "<td>2026年8月1日</td>" in zh and "<td>2026-08-01</td>" in en  # as of, the language's way
    assert "Credit report" not in zh and "report.title" not in zh + en  # no msgid shows
    # the report's own sentences are the data's, the same in both
    reason = r.doc["grades"]["excluded"][0]["reason"]
    assert reason in zh and reason in en
    assert r.doc["report"]["language"] == "zh-CN"
