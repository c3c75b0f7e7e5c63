"""Issue 11, defect 6: the units-and-credits-per-sector example summed credits of different systems and could count a unit twice.

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_credits_per_sector_example_groups_by_credit_system  # noqa: F401  (fixture and test re-used)
