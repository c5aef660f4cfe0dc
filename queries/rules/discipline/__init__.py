"""Joint discipline 联合惩戒: which measures apply to a subject on a day, and why."""

from queries.rules.discipline.engine import (
    AppliedMeasure, DisciplineResult, DisciplineRules, Hop, Measure, Rule, Step, Trigger,
    TriggerKind, discipline, discipline_batch, discipline_rules, load_discipline_rules,
    parse_discipline_rules,
)

__all__ = ["Measure", "TriggerKind", "Step", "Rule", "DisciplineRules", "discipline_rules",
           "load_discipline_rules", "parse_discipline_rules", "Hop", "Trigger",
           "AppliedMeasure", "DisciplineResult", "discipline", "discipline_batch"]
