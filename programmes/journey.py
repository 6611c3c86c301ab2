"""A school's journey towards mastery, drawn from the programme pages themselves.

The order comes from the data, not from code: each page's ``comes_after`` says which
stage precedes it and ``stage_order`` breaks ties, so an editor who adds a stage
(and says what it comes after) sees it appear in the journey on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Journey:
    """The stages of the journey, ready for a template.

    ``first_steps`` are optional stages offered before the first main stage (the
    entry decision); ``stages`` are the main stages in the order a school takes them.
    ``current`` is the page being shown, marked with ``aria-current`` in the list.
    """

    first_steps: list = field(default_factory=list)
    stages: list = field(default_factory=list)
    current: object = None

    @property
    def entry(self):
        """The first main stage: where a school goes straight to when it skips the first steps."""
        return self.stages[0] if self.stages else None

    def __bool__(self):
        return bool(self.stages or self.first_steps)

    def includes(self, page) -> bool:
        return any(stage.pk == page.pk for stage in [*self.first_steps, *self.stages])


def order_stages(pages: list) -> list:
    """Order pages so every stage follows the stage it ``comes_after``.

    A stable topological sort: among stages whose predecessor is already placed (or
    is not in the list), the one with the lowest ``(stage_order, title)`` goes next.
    A cycle, which page validation prevents, cannot hang it: leftovers are appended.

    :param pages: programme pages, already sorted by ``(stage_order, title)``.
    """
    remaining = list(pages)
    ids = {page.pk for page in remaining}
    placed: set = set()
    ordered = []
    while remaining:
        ready = [
            page
            for page in remaining
            if page.comes_after_id is None
            or page.comes_after_id not in ids
            or page.comes_after_id in placed
        ]
        if not ready:
            ordered.extend(remaining)
            break
        chosen = ready[0]
        ordered.append(chosen)
        placed.add(chosen.pk)
        remaining.remove(chosen)
    return ordered


def build_journey(pages: list, current=None) -> Journey:
    """Build the journey from programme pages with no further queries.

    :param pages: live programme pages sorted by ``(stage_order, title)``; those not
        ``in_journey`` (such as the Mastery Specialist programme) are left out.
    :param current: the page being shown, if it is one of the stages.
    """
    stages = [page for page in pages if page.in_journey]
    return Journey(
        first_steps=[page for page in stages if page.optional_first_step],
        stages=order_stages([page for page in stages if not page.optional_first_step]),
        current=current,
    )
