"""What a store says the writes since a version touched (``Store.changed_since``), and the
answers kept across writes that touch nothing they read (:mod:`api.kept`): a penalty about
one firm leaves another firm's discipline answer kept, and recomputes its own.

The embedded store keeps the log; the Neo4j adapter does not yet and answers None ("cannot
tell"), so there every kept answer is computed again, which the port allows: the answers
are the same on both, only the reuse differs."""

from __future__ import annotations

from api.kept import AnswerCache
from queries.rules.discipline import discipline
from tests.support.graph import SUZHOU, GraphBuilder

A, B = "Enterprise:91320506MA1MKT3P0P", "Enterprise:91320583MA1N2Q7D2B"


def firms(store):
    g = GraphBuilder(store)
    g.firm(A.partition(":")[2])
    g.firm(B.partition(":")[2])
    g.commit()


def penalise(store, decision_no: str, subject: str, severity: str = "严重"):
    g = GraphBuilder(store)
    g.firm(subject.partition(":")[2])  # (the builder writes the subject with its records)
    g.penalty(decision_no, subject, severity=severity)
    g.commit()


def keeps_log(store) -> bool:
    return type(store).__name__ == "EmbeddedStore"


def test_changed_since_names_the_subjects_and_labels_a_write_touched(store):
    firms(store)
    before = store.version()
    assert store.changed_since(before) in (frozenset(), None)
    penalise(store, "苏交罚〔2026〕0000001号", B)
    changed = store.changed_since(before)
    if not keeps_log(store):
        assert changed is None
        return
    assert B in changed and "Penalty:" in changed and "Penalty:苏交罚〔2026〕0000001号" in changed
    assert A not in changed
    assert store.changed_since(store.version()) == frozenset()


def test_a_record_moved_to_another_subject_touches_both(store):
    if not keeps_log(store):
        return
    firms(store)
    penalise(store, "苏交罚〔2026〕0000002号", A)
    before = store.version()
    penalise(store, "苏交罚〔2026〕0000002号", B)  # the corrected file names another firm
    assert {A, B} <= store.changed_since(before)


def test_an_undo_or_a_delete_may_have_changed_anything(store):
    firms(store)
    before = store.version()
    with store.transaction() as tx:
        tx.delete_nodes([A])
    assert store.changed_since(before) is None


def test_a_kept_answer_outlives_writes_about_other_subjects_only(store):
    firms(store)
    cache = AnswerCache(store)

    def ask(subject):
        return cache.get(("discipline", subject), lambda s: discipline(s, subject, "2026-06-01", SUZHOU))

    first = ask(A)
    assert ask(A) == first and cache.computed == 1
    penalise(store, "苏交罚〔2026〕0000003号", B)  # about another firm
    assert ask(A) == first
    assert cache.computed == (1 if keeps_log(store) else 2)
    computed = cache.computed
    penalise(store, "苏交罚〔2026〕0000004号", A)  # about this one: asked again, answered anew
    again = ask(A)
    assert cache.computed == computed + 1
    assert again == discipline(store, A, "2026-06-01", SUZHOU) != first


def test_a_loaded_correction_that_moves_a_penalty_touches_both_firms(store, tmp_path):
    from loaders.load import load_paths

    firms_csv = tmp_path / "enterprises.csv"
    firms_csv.write_text("统一社会信用代码,企业名称,注册地区划代码\n"
                         f"{A[11:]},苏州恒通危险品运输有限公司,320506\n"
                         f"{B[11:]},昆山顺达物流有限公司,320583\n", encoding="utf-8")
    head = "处罚决定书文号,对象类型,对象代码,违法行为,处罚类别,罚款金额,处罚决定日期,处罚机关,处罚机关区划代码\n"

    def penalties(name, firm):
        path = tmp_path / name / "penalties.csv"
        path.parent.mkdir()
        path.write_text(head + f"苏交罚〔2026〕0000005号,企业,{firm[11:]},车辆超速行驶,罚款,200,"
                               f"2026-01-05,苏州市交通运输局,320500\n", encoding="utf-8")
        return path

    load_paths(store, [firms_csv, penalties("day1", A)], "test-secret")
    before = store.version()
    [day2] = load_paths(store, [penalties("day2", B)], "test-secret")
    assert day2.rows_loaded == 1
    changed = store.changed_since(before)
    if keeps_log(store):
        assert {A, B, "Penalty:苏交罚〔2026〕0000005号"} <= changed
    else:
        assert changed is None
