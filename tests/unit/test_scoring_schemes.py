"""The scheme files: the shipped ones valid, every case quote found word for word in the case
it names, every figure with a basis; a malformed file a clear error naming file, field and
reason; a regional override a new version."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from graph_model import yamlfile
from queries.rules.rulefile import DataFileError
from queries.scoring.schemes import load_schemes, schemes
from tests.support.cases import case_texts, walk

SHIPPED = {"jjj_commuter_bus": 1, "zj_inland_vessel": 6, "fj_construction": 11,
           "gx_lock_points": 13, "sc_portrait": 15}


def _docs():
    root = resources.files("queries").joinpath("data", "schemes")
    return {f.name: yamlfile.read(f, f.name) for f in root.iterdir() if f.name.endswith(".yaml")}


def test_the_five_worked_schemes_are_shipped_with_their_case():
    shipped = {s.code: s.basis.case for s in schemes()}
    assert shipped == SHIPPED


def test_every_quote_is_the_cases_own_words():
    cases = case_texts()
    quotes = 0
    for name, doc in _docs().items():
        for path, node in walk(doc):
            if isinstance(node, dict) and "quote" in node:
                quotes += 1
                words = re.sub(r"\s+", "", node["quote"])
                assert words in cases[node["case"]], (name, path, node["quote"])
    assert quotes >= 15


def test_every_figure_has_a_basis_and_the_case_gives_the_ones_it_says():
    for s in schemes():
        for ind in s.indicators:
            assert ind.basis is not None and (ind.validity_months is None or ind.validity_basis)
    gx = schemes().get("gx_lock_points")
    assert (gx.start_points, gx.start_basis.case) == (400, 13)  # "初始分值设定为400分"
    assert (gx.exchange.points, gx.exchange.places, gx.exchange.basis.case) == (20, 60, 13)
    assert gx.bands_basis.local_default  # the case gives no star thresholds
    jjj = schemes().get("jjj_commuter_bus")
    assert (jjj.indicator("commitment_breach").points, jjj.indicator("commitment_breach").basis.case) == (-50, 1)
    fj = schemes().get("fj_construction")
    assert (fj.quota.wins, fj.quota.scored_as, fj.quota.basis.case) == ({"AA": 3, "A": 2}, "B", 11)
    assert fj.evaluators.outlier.basis.case == 11 and fj.evaluators.figures_basis.local_default
    zj = schemes().get("zj_inland_vessel")
    assert len({i.category for i in zj.indicators}) == 7  # "七大类"
    assert len({abs(i.points) for i in zj.indicators}) <= 6 and \
        len({i.validity_months for i in zj.indicators}) == 3  # "六档加减分值和三档有效期"
    sc = schemes().get("sc_portrait")
    assert [d.name for d in sc.dimensions] == ["车辆", "人员", "事故", "处罚", "监管"]  # "5个维度"


GOOD = (Path(str(resources.files("queries").joinpath("data", "schemes", "gx_lock_points.yaml")))
        .read_text(encoding="utf-8"))


@pytest.mark.parametrize("change, message", [
    (("start:\n  points: 400", "start:\n  points: many"), "start.points must be a number"),
    (("  - {grade: 二星, min_score: 440}", "  - {grade: 二星, min_score: 490}"),
     r"bands\[1\] \(二星\): min_score 490 must be below the band above it"),
    (("points: -20, validity_months: 12", "points: -20, validity_months: 0"),
     "indicator GX-KF-01.validity_months must be at least 1"),
    (("category: 过闸秩序, points: -10", "category: 别的, points: -10"),
     "indicator GX-KF-02: category '别的' is not one of"),
    (("basis: {case: 13, quote: \"船舶初始分值设定为400分“基本分”\"}", "basis: {case: 13}"),
     "start.basis: case #13 needs the words quoted"),
    (("scheme: 长洲船闸过闸船舶积分\n", "scheme: 没有的体系\n"), "scheme .没有的体系. is not a scheme of the grade scales"),
    (("levels: [三星]", "levels: [五星]"), "incentives.exchange.levels must be bands"),
    (("subjects: [Vessel]", "subjects: [Ship]"), "subjects: \\['Ship'\\] are not subject labels"),
    (("version: \"2023.1\"", "version: \"2023.1\"\ncolour: red"), "scheme: unknown field\\(s\\) \\['colour'\\]"),
])
def test_a_malformed_scheme_is_a_clear_error_naming_file_and_field(tmp_path, change, message):
    old, new = change
    assert old in GOOD
    (tmp_path / "gx_lock_points.yaml").write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=f"gx_lock_points.yaml: {message}"):
        load_schemes(tmp_path)


def test_a_users_folder_replaces_a_scheme_and_adds_overrides(tmp_path):
    (tmp_path / "gx_lock_points.yaml").write_text(GOOD.replace("points: 400", "points: 420"),
                                                  encoding="utf-8")
    assert load_schemes(tmp_path).get("gx_lock_points").start_points == 420
    assert schemes().get("gx_lock_points").start_points == 400  # the installed one untouched
    (tmp_path / "misnamed.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(DataFileError, match="misnamed.yaml: the file of scheme 'gx_lock_points' "
                                            "must be named gx_lock_points.yaml"):
        load_schemes(tmp_path)
    with pytest.raises(DataFileError, match="does not exist"):
        load_schemes(tmp_path / "nowhere")


OVERRIDE = ("override: sc_portrait\nversion: {version}\nregion: '510100'\n"
            "effective_from: '{day}'\nweights: {weights}\n"
            "basis: {{local_default: true, note: 成都 sets its own}}\n")


def test_an_override_is_a_new_dated_version_checked_like_a_scheme(tmp_path):
    def write(name, **kw):
        values = {"version": "v-成都", "day": "2025-01-01", "weights": "{vehicle: 0.5}", **kw}
        (tmp_path / name).write_text(OVERRIDE.format(**values), encoding="utf-8")

    write("a.yaml")
    cat = load_schemes(tmp_path)
    import datetime as dt

    old = cat.version_for("sc_portrait", "510104", dt.date(2024, 12, 31))
    new = cat.version_for("sc_portrait", "510104", dt.date(2025, 1, 1))
    elsewhere = cat.version_for("sc_portrait", "320500", dt.date(2025, 1, 1))
    assert (old.version, new.version, elsewhere.version) == ("2024.1", "v-成都", "2024.1")
    assert new.dimensions[0].weight == 0.5 and old.dimensions[0].weight == 0.25
    write("b.yaml")  # the same version again: never an edit
    with pytest.raises(DataFileError, match="b.yaml: version 'v-成都' of sc_portrait is given twice"):
        load_schemes(tmp_path)
    (tmp_path / "b.yaml").unlink()
    write("c.yaml", version="v2", weights="{wheels: 1}")
    with pytest.raises(DataFileError, match="c.yaml: weights: 'wheels' is not a dimension"):
        load_schemes(tmp_path)
    write("c.yaml", version="v2", day="2020-01-01")
    with pytest.raises(DataFileError, match="c.yaml: effective_from 2020-01-01 is before"):
        load_schemes(tmp_path)


def test_fujians_accident_vetoes_are_the_events_files_one_definition(tmp_path):
    """#11's direct grades ("直接考核定级为 C、D 级") are defined once, in events.yaml: the
    scoring scheme fj_construction reads their accidents, grades, months and bases."""
    from queries.rules.events import event_rules

    rules = event_rules()
    fj = schemes().get("fj_construction")
    for veto, ref in zip(fj.vetoes, ("fujian_liability_accident", "fujian_fatal_accident")):
        defined = next(v for v in rules.vetoes if v.code == ref)
        kind = rules.kind(defined.event)
        assert (veto.grade, veto.months, veto.basis) == \
            (defined.grade, defined.window_months, defined.basis)
        assert veto.months_basis == rules.bases[f"veto.{ref}.window"]
        assert (veto.match.record, {p: set(v) for p, v in veto.match.where.items()},
                dict(veto.match.at_least)) == (kind.record, dict(kind.where), dict(kind.at_least))
    assert [(v.code, v.grade) for v in fj.vetoes] == [("liability_accident", "C"),
                                                      ("fatal_liability_accident", "D")]
    assert fj.vetoes[0].basis.case == 11
    # a reference to a veto events.yaml does not define is a clear error
    text = (Path(str(resources.files("queries").joinpath("data", "schemes", "fj_construction.yaml")))
            .read_text(encoding="utf-8")).replace("events_veto: fujian_liability_accident",
                                                  "events_veto: fujian_no_such_veto")
    (tmp_path / "fj_construction.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="fj_construction.yaml: vetoes\\[0\\].events_veto: "
                                            "events.yaml has no veto 'fujian_no_such_veto'"):
        load_schemes(tmp_path)
