"""Joint discipline 联合惩戒: which measures apply to a subject on a day, and why.

:mod:`.rules` reads the rules (measures, triggers, propagation) from their data file,
:mod:`.engine` answers for one subject, :mod:`.batch` for a whole region at once."""

from queries.rules.discipline.batch import discipline_batch
from queries.rules.discipline.engine import (
    AppliedMeasure, DisciplineResult, Hop, Trigger, carried, discipline,
)
from queries.rules.discipline.rules import (
    DisciplineRules, Measure, Rule, Step, TriggerKind, discipline_rules, load_discipline_rules,
    parse_discipline_rules,
)

__all__ = ["Measure", "TriggerKind", "Step", "Rule", "DisciplineRules", "discipline_rules",
           "load_discipline_rules", "parse_discipline_rules", "Hop", "Trigger",
           "AppliedMeasure", "DisciplineResult", "discipline", "discipline_batch", "carried"]
