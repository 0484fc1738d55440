"""The result model's own rules: the sync plan partitions the rows read."""

from __future__ import annotations

import pytest

from syncguard.model import PlanCategory, SyncPlan, listing

C = PlanCategory


def test_a_plan_whose_categories_partition_the_rows_adds_up() -> None:
    plan = SyncPlan(4, {C.CREATED: (2,), C.UPDATED: (3, 4), C.SKIPPED: (5,)})
    assert plan.adds_up and plan.total == 4 and plan.count(C.UPDATED) == 2
    assert plan.partition_problems(range(2, 6)) == []
    plan.assert_partition(range(2, 6))


@pytest.mark.parametrize(
    ("categories", "problem"),
    [
        ({C.CREATED: (2,), C.UPDATED: (3, 4)}, "the categories hold 3 row(s), not 4"),
        ({C.CREATED: (2, 3), C.UPDATED: (3, 4)}, "row 3 is created and updated"),
        ({C.CREATED: (2, 3), C.UPDATED: (4, 9)}, "rows read in no category: [5]"),
    ],
)
def test_a_plan_that_does_not_partition_says_why(
    categories: dict[PlanCategory, tuple[int, ...]], problem: str
) -> None:
    plan = SyncPlan(4, categories)
    assert problem in plan.partition_problems(range(2, 6))
    with pytest.raises(AssertionError):
        plan.assert_partition(range(2, 6))


def test_every_category_says_what_the_import_does() -> None:
    for category in PlanCategory:
        assert category.plain.startswith(category.label + ": ")


def test_a_listing_names_the_rows() -> None:
    assert listing((8,)) == "row 8"
    assert listing((8, 4120)) == "rows 8, 4120"
    assert listing(tuple(range(2, 14)), most=3) == "rows 2, 3, 4 and 9 more"
