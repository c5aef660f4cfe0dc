"""A scheme run's grades are evaluations like loaded ones, every store: written through the
loaders' write path (one load, undoable), marked computed with the scheme's version, and
recognised by the regulators who act on that scheme (rule 4)."""

from __future__ import annotations

from loaders.load import ensure_regions
from loaders.write import write_rows
from queries.rules.recognition import recognized_grade
from queries.scoring import run_scheme
from tests.support.graph import GraphBuilder

ZJ_SCALE = "内河运输船舶安全等级评定"
HANGZHOU, NINGBO = "330100", "330200"


def test_a_run_writes_computed_evaluations_that_recognition_uses_and_undo_takes_back(store):
    ensure_regions(store)
    g = GraphBuilder(store)
    bad = g.vessel("CN20230000011", HANGZHOU)
    good = g.vessel("CN20230000012", NINGBO)
    g.vessel("CN20230000013", "320500")  # a Jiangsu ship: not Zhejiang's to grade
    g.inspection("JC9", bad, "2025-02-01", result="滞留")
    g.point_entry("ZJ9", bad, ZJ_SCALE, -20, "2025-03-01", behaviour="ZJ-ZZ-01", valid_to="2026-02-28")
    g.commit()
    run = run_scheme(store, "zj_inland_vessel", "330000", "2025-06-01")
    assert (run.subjects, run.grade_counts()) == (2, {"C": 1, "AA": 1})
    nodes = write_rows(store, "s", "evaluations", run.rows, agency="浙江省交通运输厅",
                       source="creditkb score run --scheme zj_inland_vessel")
    ev = {n.props["subject_uid"]: n.props for n in nodes}
    assert (ev[bad]["grade"], ev[bad]["score"], ev[bad]["computed_by"], ev[bad]["scheme_version"]) \
        == ("C", 60, "creditkb score zj_inland_vessel", "2023.1")
    assert (ev[bad]["valid_from"], ev[bad]["valid_to"]) == ("2025-06-01", "2025-06-30")
    # Hangzhou's regulator acts on the province's grade: a computed one like a loaded one
    r = recognized_grade(store, bad, HANGZHOU, "2025-06-15", scheme=ZJ_SCALE)
    assert (r.grade, r.evaluation.agency_region) == ("C", "330000")
    assert recognized_grade(store, good, NINGBO, "2025-06-15").grade == "AA"
    assert recognized_grade(store, bad, HANGZHOU, "2025-07-01", scheme=ZJ_SCALE).grade is None
    [load] = [x for x in store.loads() if x.file.startswith("creditkb score run")]
    store.undo_load(load.load_id)
    assert recognized_grade(store, bad, HANGZHOU, "2025-06-15", scheme=ZJ_SCALE).grade is None
