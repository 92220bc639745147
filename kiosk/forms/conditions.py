"""Which questions a person sees, given the answers so far, and how they group into steps.

A field with `show_if` is visible only when its condition holds on an earlier, itself visible
answer; so a chain of conditions collapses when its first link is hidden. Steps are built
from visible fields only, so "Step 3 of 8" stays honest as answers change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.catalog.schema import Condition, Field, Service
from kiosk.text import Text


@dataclass(frozen=True)
class Step:
    """One screen: a single question, or the fields of one group shown together."""

    fields: tuple[Field, ...]
    title: Text | None = None  # the group's heading, if the catalog gives one

    @property
    def id(self) -> str:
        return self.fields[0].group or self.fields[0].id


def _matches(answer: Any, value: Any) -> bool:
    if isinstance(answer, list | tuple):
        return any(_matches(a, value) for a in answer)
    if isinstance(value, bool) or isinstance(answer, bool):
        return isinstance(answer, bool) and isinstance(value, bool) and answer is value
    if isinstance(value, float) and isinstance(answer, int | float):
        return float(answer) == value
    return bool(answer == value)


def condition_holds(cond: Condition, answers: Mapping[str, Any], visible: set[str]) -> bool:
    """Whether `cond` holds; a condition on a hidden or unanswered field never holds
    (except "not_equals", which holds for an answered value that differs)."""
    if cond.field not in visible or answers.get(cond.field) is None:
        return False
    answer = answers[cond.field]
    if cond.op == "equals":
        return _matches(answer, cond.value)
    if cond.op == "not_equals":
        return not _matches(answer, cond.value)
    return any(_matches(answer, v) for v in cond.value)


def visible_fields(service: Service, answers: Mapping[str, Any]) -> list[Field]:
    """The fields to ask, in catalog order, given the answers so far."""
    out: list[Field] = []
    seen: set[str] = set()
    for f in service.fields:
        if f.show_if is None or condition_holds(f.show_if, answers, seen):
            out.append(f)
            seen.add(f.id)
    return out


def is_required(field: Field, answers: Mapping[str, Any], visible: set[str]) -> bool:
    if field.required:
        return True
    return field.required_if is not None and condition_holds(field.required_if, answers, visible)


def steps(service: Service, answers: Mapping[str, Any]) -> list[Step]:
    """Visible steps only: consecutive visible fields of one group share a step."""
    out: list[Step] = []
    current: list[Field] = []
    for f in visible_fields(service, answers):
        if current and f.group is not None and f.group == current[0].group:
            current.append(f)
            continue
        if current:
            out.append(_step(service, current))
        current = [f]
    if current:
        out.append(_step(service, current))
    return out


def _step(service: Service, fields: list[Field]) -> Step:
    group = fields[0].group
    return Step(fields=tuple(fields), title=service.groups.get(group) if group else None)


def step_position(service: Service, answers: Mapping[str, Any], step_id: str) -> tuple[int, int]:
    """(n, total) for "Step n of total", counting only the steps every applicant is asked.

    A follow-up question (all its fields have `show_if`) shares the number of the step
    before it, so the total never jumps when an answer reveals or hides questions
    (1 of 13 → 2 of 15 read as going backwards)."""
    all_steps = steps(service, answers)
    counted = [any(f.show_if is None for f in s.fields) for s in all_steps]
    total = max(1, sum(counted))
    n = 0
    for s, c in zip(all_steps, counted, strict=True):
        n += c
        if s.id == step_id:
            break
    return max(1, min(n, total)), total
