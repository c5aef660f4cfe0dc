"""Events and further records (EXCHANGE_FORMAT.md "Further kinds"): dynamic-monitoring
alarms, port calls, inspections, accidents, complaints, reviews, point entries, fine
payments and objections.

Proportions come from the cases where they give one (each marked with its case), else
they are local defaults, said so.  Value sets come from the schema (graph_model.enums),
headers from loaders/kinds.yaml.  Monitoring alarms dominate (issue 14's bench: at least
10 million rows at scale 1) and are written month by month, as Arrow tables, never held
whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditkb.synth.draw import (
    AS_OF, DATA_START, _dates, _day, _exact_counts, _pick, _uniform_days, _year,
)
from creditkb.synth.exchange import CHUNK_ROWS, ENT, HEADERS, PER, SUBJECT_KINDS, VEH, VES
from creditkb.synth.identifiers import make_rics
from creditkb.synth.records import (
    STARS, YANGTZE, PenaltyPlan, established_floor, pick_subjects, record_agencies,
    subject_codes, subject_counties,
)
from creditkb.synth.regions import agencies, regions
from creditkb.synth.world import World, _draw_usable, _type_codes
from graph_model.enums import (
    AccidentLevel, AlarmOutcome, ComplaintFinding, InspectionKind, InspectionResult,
    Liability, ObjectionStatus, PortOperation, SubjectKind,
)

#: #2 (Tianjin): 11,445 fine payments collected for 14,233 penalty records.
PAYMENTS_PER_PENALTY = 11_445 / 14_233
#: #13: 1,169 objections to 184,841 ship evaluations (0.63 %), 493 of them upheld (42.17 %).
OBJECTION_RATE, OBJECTIONS_UPHELD = 1_169 / 184_841, 493 / 1_169

_SUBJ = np.array(SUBJECT_KINDS, dtype=object)


def _strings(values) -> pa.Array:
    return pa.array(values, pa.string(), from_pandas=True)


# -- dynamic-monitoring alarms (#10) ------------------------------------------------------

#: Alarm kinds by vehicle type, with their shares (local defaults: #10 names the kinds, 117
#: of them, but not their shares); 违规载客 and 偏离路线 concern coaches on fixed lines.
ALARM_KINDS = ("超速", "疲劳驾驶", "不在线", "信号屏蔽", "违规载客", "偏离路线")
ALARM_SHARES = {
    "客车": (0.33, 0.25, 0.15, 0.05, 0.12, 0.10),
    "危险货物运输车": (0.35, 0.30, 0.20, 0.08, 0.0, 0.07),
    "普通货车": (0.45, 0.30, 0.20, 0.05, 0.0, 0.0),
    "巡游出租车": (0.60, 0.20, 0.15, 0.05, 0.0, 0.0),
    "网约车": (0.60, 0.20, 0.15, 0.05, 0.0, 0.0),
}
#: Alarms per vehicle, relative: 两客一危 are what the platforms watch most (#10).
ALARM_RATE = {"客车": 1.6, "危险货物运输车": 1.8, "普通货车": 1.0, "巡游出租车": 0.4, "网约车": 0.4}
#: Outcomes: #10 handles every alarm (处置率 100 %) and its spot checks pass 91.12 %; the
#: shares of false alarms and of alarms turned into cases are local defaults.
ALARM_OUTCOMES = ((AlarmOutcome.已处置, 0.905), (AlarmOutcome.误报, 0.075), (AlarmOutcome.转立案, 0.02))


def _monthly_weights(first: np.datetime64, last: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Alarm volume per month from ``first`` to ``last``: rising while monitoring is rolled
    out (2019-2020), then falling as #10 saw it fall, "由运行初期最高 4400 余条/每月降至目前
    1200 余条/每月" (to 1200/4400 of the peak at the end)."""
    months = np.arange(first.astype("datetime64[M]"), last.astype("datetime64[M]") + 1)
    t = (months - months[0]).astype(float)
    peak = float((np.datetime64("2021-01", "M") - months[0]).astype(int))
    end = max(t[-1], peak + 1)
    rise = np.clip((t + 1) / (peak + 1), 0.15, 1.0)
    fall = np.where(t <= peak, 1.0, (1200 / 4400) ** ((t - peak) / (end - peak)))
    return months, rise * fall


def alarm_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pa.Table]:
    """``n`` alarms about vehicles, in time order, one Arrow table per month.

    Each vehicle has its own rate: its type's (:data:`ALARM_RATE`), its latent risk and a
    gamma factor (a few vehicles raise most alarms, as #10's 53,522 alarms came from 17,055
    vehicles).  The monitoring agency is the city bureau of the vehicle's region.
    """
    veh = w.vehicles
    vtype = veh.extra["vtype"]
    rate = pd.Series(ALARM_RATE)[vtype].to_numpy() * np.exp(0.6 * veh.risk) \
        * rng.gamma(0.6, 1.0, len(veh))
    cum = np.cumsum(rate / rate.sum())
    types = list(ALARM_SHARES)
    type_of = pd.Index(types).get_indexer(vtype)
    kind_cum = np.cumsum(np.array([ALARM_SHARES[t] for t in types]), axis=1)
    kind_cum /= kind_cum[:, -1:]
    out_cum = np.cumsum([p for _, p in ALARM_OUTCOMES])
    outcomes = pa.array([o.value for o, _ in ALARM_OUTCOMES])
    kinds = pa.array(list(ALARM_KINDS))
    a = agencies()
    agency = a.road_of_county[veh.county]
    plates, names, codes = _strings(veh.code), _strings(a.name), _strings(a.region)
    months, weight = _monthly_weights(DATA_START, AS_OF)
    counts = _exact_counts(weight, n)
    seq = 0
    for month, m in zip(months, counts):
        start = month.astype("datetime64[s]")
        end = min((month + 1).astype("datetime64[s]"), (AS_OF + 1).astype("datetime64[s]"))
        span = int((end - start).astype(int))
        at = np.sort(rng.integers(0, span, m))
        v = np.minimum(np.searchsorted(cum, rng.random(m), side="right"), len(cum) - 1)
        k = (rng.random(m)[:, None] > kind_cum[type_of[v]]).sum(axis=1)
        o = np.minimum(np.searchsorted(out_cum, rng.random(m) * out_cum[-1], side="right"), 2)
        moment = pa.array(start + at.astype("timedelta64[s]")).cast(pa.string())
        day = pc.utf8_slice_codeunits(moment, 0, 10)
        number = pc.binary_join_element_wise(
            "JK", pc.replace_substring(day, "-", ""),
            pc.utf8_lpad(pa.array(np.arange(seq, seq + m)).cast(pa.string()), 9, "0"), "")
        seq += m
        ag = pa.array(agency[v])
        yield pa.table(dict(zip(HEADERS["monitoring_alarms"], (
            number, plates.take(pa.array(v)), kinds.take(pa.array(k)), moment,
            outcomes.take(pa.array(o)), names.take(ag), codes.take(ag),
        ))))


# -- port calls (#18) ------------------------------------------------------------------------

#: Ports on the Yangtze and its estuary with their region codes; 太仓港 leads the Yangtze in
#: containers (#18: 1,486 container ships called there), weights are local defaults.
PORTS = (("太仓港", "320585", 6.0), ("上海港", "310115", 4.0), ("南通港", "320600", 2.5),
         ("张家港港", "320582", 2.0), ("江阴港", "320281", 1.2), ("南京港", "320100", 2.0),
         ("镇江港", "321100", 1.0), ("宁波舟山港", "330200", 2.5), ("芜湖港", "340200", 1.2),
         ("九江港", "360400", 0.8), ("武汉港", "420100", 1.8), ("岳阳港", "430600", 0.8),
         ("宜昌港", "420500", 0.6), ("重庆港", "500000", 1.5))
#: Calls per vessel, relative, by type: container ships shuttle (#18's ships call 12 times a
#: year and more at 太仓港), passenger ships are not counted as port calls here.
CALL_RATE = {"集装箱船": 5.0, "货船": 1.0, "危险品船": 1.2, "客船": 0.0}
#: Port-call data begin when the green fast lane did (#18: piloted since 2022).
CALLS_START = np.datetime64("2022-01-01")


def port_call_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    """``n`` port calls (distinct vessel, port, day of arrival), in date order.

    Container ships call most and mostly at 太仓港, so some make the twelve calls a year the
    green fast lane asks for (#18).
    """
    ves = w.vessels
    rate = pd.Series(CALL_RATE)[ves.extra["vtype"]].to_numpy() * rng.gamma(1.5, 1.0, len(ves))
    names = np.array([p for p, _, _ in PORTS], dtype=object)
    codes = np.array([c for _, c, _ in PORTS], dtype=object)
    port_w = np.array([x for _, _, x in PORTS])
    container = (ves.extra["vtype"] == "集装箱船")
    taicang = np.flatnonzero(codes == "320585")[0]
    parts, need = [], n
    for _ in range(10):  # redraw the rare (vessel, port, day) repeats
        m = int(need * 1.02) + 10
        v = rng.choice(len(ves), size=m, p=rate / rate.sum())
        port = rng.choice(len(PORTS), size=m, p=port_w / port_w.sum())
        home = container[v] & (rng.random(m) < 0.45)  # container ships keep to 太仓港 most
        port[home] = taicang
        day = _uniform_days(rng, m, CALLS_START, AS_OF, skew=0.9)
        parts.append(pd.DataFrame({"v": v, "p": port, "d": day}))
        calls = pd.concat(parts, ignore_index=True).drop_duplicates(["v", "p", "d"])
        need = n - len(calls)
        if need <= 0:
            break
    calls = calls.iloc[:n].sort_values(["d", "v", "p"], kind="stable")
    stay = np.minimum(rng.geometric(0.6, len(calls)) - 1, 3)
    left = np.minimum(calls["d"].to_numpy() + stay, _day(AS_OF))
    left = np.where(calls["d"].to_numpy() >= _day(AS_OF) - 1, -1, left)  # still in port
    op = _pick(rng, list(PortOperation), (0.3, 0.3, 0.4), len(calls))
    v, p, d = (calls[c].to_numpy() for c in ("v", "p", "d"))
    for lo in range(0, len(calls), CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["port_calls"], (
            ves.code[v[s]], names[p[s]], codes[p[s]], _dates(d[s]), _dates(left[s]), op[s],
        ))))


# -- inspections (#3, #6, #9, #10, #18) ------------------------------------------------------

@dataclass(frozen=True)
class InspectionPlan:
    """A kind of inspection: who it is of, its share, and its results' shares (local
    defaults, but #10's interceptions: 95 illegal of 2,810, 3.4 %)."""

    kind: str
    subject: int
    share: float
    results: tuple[float, float, float, float]  # 合格, 缺陷, 滞留, 违法


INSPECTIONS = (
    InspectionPlan(InspectionKind.船舶安全检查, VES, 0.45, (0.70, 0.27, 0.03, 0.0)),
    InspectionPlan(InspectionKind.路检路查, VEH, 0.28, (0.90, 0.05, 0.0, 0.05)),
    InspectionPlan(InspectionKind.布控拦截, VEH, 0.07, (0.966, 0.0, 0.0, (47 + 48) / 2810)),
    InspectionPlan(InspectionKind.双随机抽查, ENT, 0.12, (0.85, 0.12, 0.0, 0.03)),
    InspectionPlan(InspectionKind.现场检查, ENT, 0.08, (0.80, 0.16, 0.0, 0.04)),
)


def _numbered(prefix: str, regions_: np.ndarray, day: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Record numbers ``<prefix><region><year><seq>``: unique, since ``seq`` is."""
    return np.array([f"{prefix}{r}{y}{s:08d}" for r, y, s in
                     zip(regions_, _year(day).tolist(), seq.tolist())], dtype=object)


def inspection_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    """Inspections of the kinds in :data:`INSPECTIONS`; subjects with a higher latent risk
    are inspected more (#3: key-supervision subjects 25 % more often)."""
    a = agencies()
    counts = _exact_counts(np.array([p.share for p in INSPECTIONS]), n)
    parts = []
    for i, (plan, m) in enumerate(zip(INSPECTIONS, counts)):
        kind, idx = pick_subjects(rng, w, int(m), {plan.subject: 1.0}, risk_weight=0.25)
        if plan.kind == InspectionKind.布控拦截:  # interceptions stop coaches (#10)
            coach = np.flatnonzero(w.vehicles.extra["vtype"] == "客车")
            if len(coach):
                idx = coach[rng.integers(0, len(coach), len(idx))]
        day = _uniform_days(rng, len(idx), DATA_START, AS_OF, skew=0.9)
        day = np.maximum(day, established_floor(w, kind, idx))
        result = rng.choice(4, size=len(idx), p=np.array(plan.results) / sum(plan.results))
        parts.append((np.full(len(idx), i), kind, idx, day, result))
    plan_i, kind, idx, day, result = (np.concatenate(x) for x in zip(*parts))
    order = np.lexsort((idx, kind, day))
    plan_i, kind, idx, day, result = (x[order] for x in (plan_i, kind, idx, day, result))
    agency = record_agencies(rng, kind, subject_counties(w, kind, idx))
    defects = np.where(result == 0, 0, 1 + rng.poisson(2.0, len(idx)))
    defects = np.where(result == 3, rng.integers(0, 2, len(idx)), defects)
    kinds = np.array([p.kind.value for p in INSPECTIONS], dtype=object)
    results = np.array(list(InspectionResult), dtype=object)
    places = np.array(["码头", "检查站", "高速公路服务区", "企业场所", "企业场所"], dtype=object)
    numbers = _numbered("JC", a.region[agency], day, np.arange(len(idx)))
    for lo in range(0, len(idx), CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["inspections"], (
            numbers[s], _SUBJ[kind[s]], subject_codes(w, kind[s], idx[s]), _dates(day[s]),
            kinds[plan_i[s]], results[result[s]], defects[s], places[plan_i[s]],
            a.name[agency[s]], a.region[agency[s]],
        ))))


# -- accidents (#4, #11, #18) ----------------------------------------------------------------

#: Deaths per accident: most accidents kill no one (local default); the level follows the
#: national classification (生产安全事故报告和调查处理条例 art. 3: 一般 under 3 deaths, 较大
#: 3-9, 重大 10-29, 特别重大 30 and more).
DEATHS = ((0, 0.62), (1, 0.25), (2, 0.08), (3, 0.035), (5, 0.01), (12, 0.004), (31, 0.001))
LEVEL_FROM = ((30, AccidentLevel.特别重大), (10, AccidentLevel.重大), (3, AccidentLevel.较大),
              (0, AccidentLevel.一般))
LIABILITY = (0.25, 0.30, 0.20, 0.15, 0.10)  # 全部, 主要, 同等, 次要, 无 (local defaults)


def accident_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    a = agencies()
    kind, idx = pick_subjects(rng, w, n, {VEH: 0.7, VES: 0.15, ENT: 0.15}, risk_weight=0.8)
    day = _uniform_days(rng, n, DATA_START, AS_OF)
    day = np.maximum(day, established_floor(w, kind, idx))
    order = np.lexsort((idx, kind, day))
    kind, idx, day = kind[order], idx[order], day[order]
    deaths = np.array([d for d, _ in DEATHS])[rng.choice(len(DEATHS), n, p=[p for _, p in DEATHS])]
    injuries = rng.poisson(1.2 + deaths)
    level = np.select([deaths >= lo for lo, _ in LEVEL_FROM], [lv.value for _, lv in LEVEL_FROM],
                      AccidentLevel.一般.value).astype(object)
    liability = np.array(list(Liability), dtype=object)[rng.choice(5, n, p=LIABILITY)]
    agency = record_agencies(rng, kind, subject_counties(w, kind, idx))
    numbers = _numbered("SG", a.region[agency], day, np.arange(n))
    for lo in range(0, n, CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["accidents"], (
            numbers[s], _SUBJ[kind[s]], subject_codes(w, kind[s], idx[s]), _dates(day[s]),
            level[s], deaths[s], injuries[s], liability[s], a.name[agency[s]], a.region[agency[s]],
        ))))


# -- complaints (#4, #16) --------------------------------------------------------------------

COMPLAINT_CATEGORIES = ("拒载", "绕路", "乱收费", "服务态度", "车辆卫生", "违规揽客", "超时等候",
                        "行李丢失", "安全隐患")
#: Findings (local defaults): most hotline complaints are not borne out.
FINDINGS = (0.30, 0.12, 0.50, 0.08)  # 属实, 部分属实, 不属实, 核查中 (recent ones)


def complaint_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    a = agencies()
    kind, idx = pick_subjects(rng, w, n, {VEH: 0.6, ENT: 0.35, PER: 0.05}, risk_weight=0.6)
    day = _uniform_days(rng, n, DATA_START, AS_OF, skew=0.8)
    day = np.maximum(day, established_floor(w, kind, idx))
    order = np.lexsort((idx, kind, day))
    kind, idx, day = kind[order], idx[order], day[order]
    finding = rng.choice(3, n, p=np.array(FINDINGS[:3]) / sum(FINDINGS[:3]))
    recent = day > _day(AS_OF) - 30
    finding = np.where(recent & (rng.random(n) < 0.8), 3, finding)
    agency = a.road_of_county[subject_counties(w, kind, idx)]
    numbers = _numbered("TS", a.region[agency], day, np.arange(n))
    cats = np.array(COMPLAINT_CATEGORIES, dtype=object)[rng.integers(0, len(COMPLAINT_CATEGORIES), n)]
    findings = np.array(list(ComplaintFinding), dtype=object)
    for lo in range(0, n, CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["complaints"], (
            numbers[s], _SUBJ[kind[s]], subject_codes(w, kind[s], idx[s]), _dates(day[s]),
            cats[s], findings[finding[s]], a.name[agency[s]], a.region[agency[s]],
        ))))


# -- reviews (#7, #11, #15) ------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewPlan:
    """Who reviews whom: evaluators of one kind scoring subjects of some business types."""

    evaluator_kind: str
    share: float
    subject: int
    types: tuple[str, ...]  # business types of the firms reviewed (or their coaches)
    indicators: tuple[str, ...]
    max_score: int


REVIEWS = (  # #7: students score schools and coaches; #11: a contractor's evaluators
    ReviewPlan("学员", 0.40, ENT, ("驾培",), ("教学质量", "服务态度", "收费规范"), 5),
    ReviewPlan("学员", 0.20, PER, ("驾培",), ("教学质量", "服务态度"), 5),
    ReviewPlan("建设单位", 0.08, ENT, ("公路施工",), ("履约评价", "工程质量"), 100),
    ReviewPlan("监理单位", 0.06, ENT, ("公路施工",), ("现场管理", "安全管理"), 100),
    ReviewPlan("质监机构", 0.04, ENT, ("公路施工", "监理"), ("质量控制",), 100),
    ReviewPlan("主管部门", 0.07, ENT, ("公路施工", "监理", "客运", "危货"), ("安全管理", "信用承诺履行"), 100),
    ReviewPlan("乘客", 0.15, ENT, ("客运", "出租汽车"), ("服务质量", "准点率", "车辆卫生"), 5),
)


def review_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    """Reviews: students and passengers are persons (valid resident ID numbers, which the
    loader keeps only as keyed hashes); the other evaluators are firms or agencies."""
    a, ent = agencies(), w.enterprises
    counts = _exact_counts(np.array([p.share for p in REVIEWS]), n)
    parts = []
    for i, (plan, m) in enumerate(zip(REVIEWS, counts)):
        firms = np.flatnonzero(np.isin(ent.extra["etype"], _type_codes(plan.types)))
        if plan.subject == PER:
            role = w.persons.extra["role"]
            pool = np.flatnonzero(role == "教练员")
            kind = np.full(len(pool), PER, dtype=np.int8)
        else:
            pool, kind = firms, np.full(len(firms), ENT, dtype=np.int8)
        if not len(pool):  # a tiny world without such subjects
            pool, kind = np.arange(len(ent)), np.full(len(ent), ENT, dtype=np.int8)
        pick = rng.integers(0, len(pool), int(m))
        parts.append((np.full(int(m), i), kind[pick], pool[pick]))
    plan_i, kind, idx = (np.concatenate(x) for x in zip(*parts))
    day = _uniform_days(rng, n, DATA_START, AS_OF, skew=0.85)
    day = np.maximum(day, established_floor(w, kind, idx))
    order = np.lexsort((idx, kind, day))
    plan_i, kind, idx, day = plan_i[order], kind[order], idx[order], day[order]
    risk = np.empty(n)
    for k in (ENT, PER):
        sel = kind == k
        risk[sel] = w.of(k).risk[idx[sel]]
    top = np.array([p.max_score for p in REVIEWS])[plan_i]
    quality = np.clip(0.82 - 0.08 * risk + 0.12 * rng.standard_normal(n), 0.2, 1.0)
    score = np.where(top == 5, np.maximum(1, np.round(quality * 5)), np.round(quality * 100, 1))
    score = np.where(top == 5, score.astype(np.int64).astype(str), score.astype(str)).astype(object)
    people = np.isin(np.array([p.evaluator_kind for p in REVIEWS])[plan_i], ["学员", "乘客"])
    evaluator = np.empty(n, dtype=object)
    counties = subject_counties(w, kind, idx)
    usable = _draw_usable(rng, int(people.sum()))
    near = np.where(rng.random(int(people.sum())) < 0.7, counties[people], usable)
    ok = regions().birth_lo[near] <= regions().birth_hi[near]
    near[~ok] = usable[~ok]
    evaluator[people] = make_rics(rng, near, male_share=0.5)
    orgs = np.flatnonzero(~people)
    agency = a.road_of_county[counties]
    by_agency = np.array([p.evaluator_kind == "主管部门" for p in REVIEWS])[plan_i]
    evaluator[orgs] = np.where(by_agency[orgs], a.name[agency[orgs]],
                               ent.code[rng.integers(0, len(ent), len(orgs))])
    indicator = np.array([p.indicators[j % len(p.indicators)] for p, j in
                          zip(np.array(REVIEWS, dtype=object)[plan_i],
                              rng.integers(0, 6, n).tolist())], dtype=object)
    ev_kinds = np.array([p.evaluator_kind for p in REVIEWS], dtype=object)
    project = np.where(top == 100, "工程项目" + (idx % 97).astype(str).astype(object) + "标段", "")
    numbers = _numbered("PJ", a.region[agency], day, np.arange(n))
    for lo in range(0, n, CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["reviews"], (
            numbers[s], _SUBJ[kind[s]], subject_codes(w, kind[s], idx[s]), ev_kinds[plan_i[s]],
            evaluator[s], indicator[s], score[s], top[s], _dates(day[s]), project[s],
            a.name[agency[s]], a.region[agency[s]],
        ))))


# -- point entries (#6, #13, #15, #16, #19) -------------------------------------------------

#: #19: 83 deduction and 30 bonus behaviours; #6: three validity periods (their lengths are
#: local defaults: one, two and three years).
DEDUCTIONS, BONUSES = 83, 30
VALIDITY_DAYS = (365, 730, 1095)
BEHAVIOURS = (("谎报吃水", "遮挡船名", "未按规定配备船员", "船舶安全检查缺陷较多", "违规横越航道",
               "未按规定使用计价器", "拒载", "绕路", "服务态度差"),
              ("主动报告险情", "快速安全过闸", "见义勇为", "乘客表扬", "拾金不昧"))
#: Shares of the point entries (local defaults): the Yangtze and taxi-driver entries of #19
#: and #16, and the entries of the scoring schemes creditkb ships (queries/data/schemes):
#: Zhejiang's ship grades (#6), the 长洲 lock points (#13) and Sichuan's portraits (#15),
#: whose behaviour codes, points and validity come from the scheme files.
POINT_SHARES = {"legacy": 0.40, "zj_inland_vessel": 0.25, "gx_lock_points": 0.20,
                "sc_portrait": 0.15}
_ZJ_VESSEL_WEIGHT = 8.0  # ships registered in Zhejiang call at its ports most (#6)


@dataclass
class PointPlan:
    """Point entries as compact arrays (a few bytes a row, so 20 million fit), written a
    chunk at a time; each row's behaviour indexes ``codes``/``texts``."""

    kind: np.ndarray     # int8
    idx: np.ndarray      # int32
    day: np.ndarray      # int32
    scheme: np.ndarray   # int8 into ``schemes``
    agency: np.ndarray   # int32
    behaviour: np.ndarray  # int16 into ``codes``
    points: np.ndarray   # int16
    valid_days: np.ndarray  # int32; -1: no end (spent points)
    schemes: np.ndarray  # object: the scheme names the entries give
    codes: np.ndarray    # object
    texts: np.ndarray    # object

    def __len__(self) -> int:
        return len(self.day)

    def numbers(self, sel) -> np.ndarray:
        """The record numbers of the rows ``sel`` (positions): unique, made when written."""
        pos = np.arange(*sel.indices(len(self))) if isinstance(sel, slice) else np.asarray(sel)
        return _numbered("JF", agencies().region[self.agency[sel]], self.day[sel], pos)


def _behaviour_table():
    """Behaviour codes and descriptions: #19's K01-K83 and J01-J30, then the point-entry
    indicators of each shipped scheme (their code, name, points and validity)."""
    from queries.scoring.schemes import schemes

    texts = [np.array(t, dtype=object) for t in BEHAVIOURS]
    codes = [f"K{i:02d}" for i in range(1, DEDUCTIONS + 1)] + [f"J{i:02d}" for i in range(1, BONUSES + 1)]
    names = [texts[0][i % len(texts[0])] for i in range(1, DEDUCTIONS + 1)] + \
            [texts[1][i % len(texts[1])] for i in range(1, BONUSES + 1)]
    catalogue: dict[str, list] = {}
    for code in POINT_SHARES:
        if code == "legacy":
            continue
        s = schemes().get(code)
        exchange = s.exchange.behaviour if s.exchange else None
        rows = [i for i in s.indicators if i.match.record == "PointEntry" and i.code != exchange]
        catalogue[code] = [s.scheme, [], [], [], [], [i.over for i in rows]]
        for ind in rows:
            catalogue[code][1].append(len(codes))
            codes.append(ind.code)
            names.append(ind.name)
            catalogue[code][2].append(int(ind.points))
            catalogue[code][3].append(int((ind.validity_months or 0) * 365 / 12))
            catalogue[code][4].append(3.0 if ind.points > 0 and code == "gx_lock_points" else 1.0)
    return np.array(codes, dtype=object), np.array(names, dtype=object), catalogue


def plan_point_entries(rng: np.random.Generator, w: World, n: int) -> PointPlan:
    """``n`` point entries: the Yangtze scheme scores vessels, firms and persons (#19), the
    taxi-driver scheme drivers (#16); Zhejiang's scheme scores ships, mostly its own (#6),
    the lock scheme ships passing 长洲 (#13), mostly for safe fast passages, and Sichuan's
    portrait the 两客一危 firms, their vehicles and drivers (#15)."""
    a, codes, texts, catalogue = agencies(), *_behaviour_table()
    counts = dict(zip(POINT_SHARES, _exact_counts(np.array(list(POINT_SHARES.values())), n)))
    names = [YANGTZE, STARS] + [c[0] for c in catalogue.values()]
    parts = []
    # #19 and #16, as before
    m = int(counts["legacy"])
    kind, idx = pick_subjects(rng, w, m, {VES: 0.55, ENT: 0.15, PER: 0.30}, risk_weight=0.7)
    roles = w.persons.extra["role"]
    driver = np.zeros(m, dtype=bool)
    prac = (kind == PER) & (idx < w.n_practitioners)
    driver[prac] = roles[idx[prac]] == "驾驶员"
    scheme = np.where(driver, 1, 0)
    agency = np.where(scheme == 0, a.yangtze_cja, a.road_of_county[subject_counties(w, kind, idx)])
    bonus = rng.random(m) < 0.25
    code = np.where(bonus, rng.integers(1, BONUSES + 1, m), rng.integers(1, DEDUCTIONS + 1, m))
    behaviour = np.where(bonus, DEDUCTIONS + code - 1, code - 1)
    points = np.where(bonus, rng.choice([1, 2, 5, 10], m), -rng.choice([1, 2, 3, 5, 10, 20], m))
    valid = np.array(VALIDITY_DAYS)[rng.integers(0, 3, m)]
    parts.append((kind, idx, scheme, agency, behaviour, points, valid))
    for s_i, (code_name, (_, rows, pts, days, weight, over)) in enumerate(catalogue.items(), start=2):
        m = int(counts[code_name])
        if not m or not rows:
            continue
        p = np.array(weight) / sum(weight)
        pick = rng.choice(len(rows), size=m, p=p)
        over = np.array(over, dtype=object)[pick]
        kind = np.full(m, VES if code_name != "sc_portrait" else ENT, dtype=np.int8)
        if code_name == "sc_portrait":
            kind, idx = _portrait_subjects(rng, w, over)
        else:
            weights = np.exp(0.5 * w.vessels.risk)
            if code_name == "zj_inland_vessel":
                zj = regions().prov_code[regions().county_prov[w.vessels.county]] == "330000"
                weights = weights * np.where(zj, _ZJ_VESSEL_WEIGHT, 1.0)
            idx = rng.choice(len(w.vessels), size=m, p=weights / weights.sum())
        counties = subject_counties(w, kind, idx)
        if code_name == "zj_inland_vessel":
            agency = np.full(m, _agency_of(a, "330000", "浙江省交通运输厅"))
        elif code_name == "gx_lock_points":
            agency = np.full(m, _agency_of(a, "450400", "梧州市交通运输局"))
        else:
            agency = a.road_of_county[counties]
        parts.append((kind, idx, np.full(m, s_i), agency, np.array(rows)[pick],
                      np.array(pts)[pick], np.array(days)[pick]))
    kind, idx, scheme, agency, behaviour, points, valid = (np.concatenate(x) for x in zip(*parts))
    day = _uniform_days(rng, len(kind), DATA_START, AS_OF, skew=0.8)
    day = np.maximum(day, established_floor(w, kind, idx))
    order = np.lexsort((idx, kind, day))
    return PointPlan(kind[order].astype(np.int8), idx[order].astype(np.int32),
                     day[order].astype(np.int32), scheme[order].astype(np.int8),
                     agency[order].astype(np.int32), behaviour[order].astype(np.int16),
                     points[order].astype(np.int16), valid[order].astype(np.int32),
                     np.array(names, dtype=object), codes, texts)


def _agency_of(a, region: str, name: str) -> int:
    hit = np.flatnonzero((a.region == region) & (a.name == name))
    return int(hit[0]) if len(hit) else int(np.flatnonzero(a.region == region[:2] + "0000")[0])


def _portrait_subjects(rng: np.random.Generator, w: World, over: np.ndarray):
    """#15's subjects: 两客一危 firms, their vehicles (``over`` vehicles) and drivers."""
    firms = np.flatnonzero(np.isin(w.enterprises.extra["etype"], _type_codes(("客运", "危货"))))
    if not len(firms):
        firms = np.arange(len(w.enterprises))
    owner = w.vehicles.extra["owner"]
    fleet = np.flatnonzero(np.isin(owner, firms)) if len(w.vehicles) else np.array([], np.int64)
    employer = w.persons.extra["employer"][:w.n_practitioners]
    staff = np.flatnonzero(np.isin(employer, firms) & (w.persons.extra["role"][:w.n_practitioners] == "驾驶员"))
    kind = np.full(len(over), ENT, dtype=np.int8)
    idx = firms[rng.integers(0, len(firms), len(over))]
    for word, k, pool in (("vehicles", VEH, fleet), ("drivers", PER, staff)):
        sel = np.flatnonzero(over == word)
        if len(pool) and len(sel):
            kind[sel] = k
            idx[sel] = pool[rng.integers(0, len(pool), len(sel))]
    return kind, idx


def point_entry_frames(rng: np.random.Generator, w: World, plan: PointPlan) -> Iterator[pd.DataFrame]:
    """The point entries file, a chunk at a time (numbers and texts made per chunk, so
    twenty million rows never sit in memory as strings); an entry counts until its
    ``valid_to``, except points spent at a lock (no end)."""
    a, n = agencies(), len(plan)
    for lo in range(0, n, CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        kind, idx, agency, day = plan.kind[s], plan.idx[s], plan.agency[s], plan.day[s]
        valid = plan.valid_days[s]
        valid_to = _dates(np.where(valid >= 0, day + valid, -1))
        yield pd.DataFrame(dict(zip(HEADERS["point_entries"], (
            plan.numbers(s), _SUBJ[kind], subject_codes(w, kind, idx), plan.schemes[plan.scheme[s]],
            plan.codes[plan.behaviour[s]], plan.texts[plan.behaviour[s]], plan.points[s],
            _dates(day), valid_to, a.name[agency], a.region[agency],
        ))))


# -- fine payments (#2) -----------------------------------------------------------------------

def fine_payment_frames(rng: np.random.Generator, plan: PenaltyPlan, n: int) -> Iterator[pd.DataFrame]:
    """``n`` payments of fined, valid penalties (#2: 11,445 payments for 14,233 penalties),
    within the 15 days the law allows (行政处罚法 art. 67) mostly, some later; a share paid
    in two instalments, and a few with an amount that differs from the fine (local
    defaults), which a repair check by data must notice."""
    fined = np.flatnonzero((plan.fine > 0) & ~plan.revoked & (plan.day <= _day(AS_OF) - 2))
    payers = np.sort(rng.choice(fined, size=min(n, int(len(fined) * 0.97)), replace=False))
    twice = n - len(payers)
    second = np.sort(rng.choice(payers, size=max(twice, 0), replace=False))
    pen = np.concatenate([payers, second])
    part = np.concatenate([np.zeros(len(payers), bool), np.ones(len(second), bool)])
    split = np.isin(pen, second)
    wait = np.where(rng.random(len(pen)) < 0.85, rng.integers(1, 16, len(pen)),
                    rng.integers(16, 120, len(pen)))
    day = np.minimum(plan.day[pen] + wait + part * rng.integers(20, 40, len(pen)), _day(AS_OF))
    amount = plan.fine[pen].astype(float) / np.where(split, 2, 1)
    off = (rng.random(len(pen)) < 0.02) & ~split
    amount = np.where(off, np.round(amount * rng.choice([0.5, 0.8, 1.05], len(pen)), 2), amount)
    order = np.lexsort((pen, day))
    pen, day, amount = pen[order], day[order], amount[order]
    a = agencies()
    receipt = np.array([f"{r}-{d.replace('-', '')}-{i:07d}" for r, d, i in zip(
        a.region[plan.agency[pen]], _dates(day), range(len(pen)))], dtype=object)
    shown = np.where(amount == np.round(amount), amount.astype(np.int64).astype(str),
                     np.char.mod("%.2f", amount)).astype(object)
    for lo in range(0, len(pen), CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["fine_payments"], (
            plan.decision_numbers(pen[s]), _dates(day[s]), shown[s], receipt[s],
        ))))


# -- objections (#4, #6, #13, #16, #19) ------------------------------------------------------

@dataclass
class RecordPool:
    """Records an objection may contest: their subjects, days and agencies, and how to
    name the chosen ones as the exchange format's 异议记录 does."""

    kind: np.ndarray
    idx: np.ndarray
    day: np.ndarray
    agency: np.ndarray
    name: object  # callable: positions -> record names

    def __len__(self) -> int:
        return len(self.day)


def penalty_pool(plan: PenaltyPlan) -> RecordPool:
    return RecordPool(plan.kind, plan.idx, plan.day, plan.agency, plan.decision_numbers)


def point_pool(plan: PointPlan) -> RecordPool:
    return RecordPool(plan.kind, plan.idx, plan.day, plan.agency, plan.numbers)


def evaluation_pool(w: World, rounds) -> RecordPool:
    """Evaluations of firms and vessels, named by their key (subject uid, scheme, agency
    region, valid from): a person's uid is a keyed hash the generator cannot know."""
    a = agencies()
    keep = [(r, r.kind != PER) for r in rounds]
    kind = np.concatenate([r.kind[k] for r, k in keep])
    idx = np.concatenate([r.idx[k] for r, k in keep])
    agency = np.concatenate([r.agency[k] for r, k in keep])
    day = np.concatenate([np.full(int(k.sum()), r.valid_from) for r, k in keep])
    scheme = np.concatenate([np.full(int(k.sum()), r.scheme, dtype=object) for r, k in keep])
    labels = np.array([SubjectKind(word).label for word in SUBJECT_KINDS], dtype=object)

    def name(sel):
        return (labels[kind[sel]] + ":" + subject_codes(w, kind[sel], idx[sel]) + "|"
                + scheme[sel] + "|" + a.region[agency[sel]] + "|" + _dates(day[sel]))

    return RecordPool(kind, idx, day, agency, name)


def objection_frames(rng: np.random.Generator, w: World, pools: list[RecordPool],
                     n: int) -> Iterator[pd.DataFrame]:
    """``n`` objections against records of ``pools`` (drawn in proportion to their sizes),
    filed by their subjects with the records' agencies; closed ones are upheld (更正 or 撤销)
    at #13's rate (493 of 1,169), not accepted at a local-default 5 %, else the record
    stands (维持); recent ones are still open (受理, 核查中)."""
    a = agencies()
    sizes = np.array([len(p) for p in pools], dtype=float)
    counts = _exact_counts(sizes, n)
    parts = []
    for pool, m in zip(pools, counts):
        sel = np.sort(rng.choice(len(pool), size=min(int(m), len(pool)), replace=False))
        parts.append((pool.kind[sel], pool.idx[sel], pool.day[sel], pool.agency[sel],
                      np.asarray(pool.name(sel), dtype=object)))
    kind, idx, day, agency, record = (np.concatenate(x) for x in zip(*parts))
    m = len(record)
    filed = np.minimum(day + rng.integers(3, 60, m), _day(AS_OF))
    closed = filed + rng.integers(5, 45, m)
    open_ = closed > _day(AS_OF)
    upheld = np.where(rng.random(m) < 0.85, ObjectionStatus.更正, ObjectionStatus.撤销)
    status = np.where(rng.random(m) < 0.05, ObjectionStatus.不予受理,
                      np.where(rng.random(m) < OBJECTIONS_UPHELD, upheld,
                               ObjectionStatus.维持)).astype(object)
    status[open_] = np.where(rng.random(int(open_.sum())) < 0.5, ObjectionStatus.受理,
                             ObjectionStatus.核查中)
    closed = np.where(open_, -1, closed)
    grounds = np.array(["事实认定有误", "已整改完毕，申请复核", "非本人驾驶", "记录重复", "信息公示有误"],
                       dtype=object)[rng.integers(0, 5, m)]
    order = np.lexsort((idx, kind, filed))
    kind, idx, filed, closed, agency, record, status, grounds = (
        x[order] for x in (kind, idx, filed, closed, agency, record, status, grounds))
    numbers = _numbered("YY", a.region[agency], filed, np.arange(m))
    for lo in range(0, m, CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["objections"], (
            numbers[s], _SUBJ[kind[s]], subject_codes(w, kind[s], idx[s]), record[s],
            _dates(filed[s]), grounds[s], status[s], _dates(closed[s]), a.name[agency[s]],
            a.region[agency[s]],
        ))))
