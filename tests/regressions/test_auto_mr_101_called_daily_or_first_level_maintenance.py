"""Issue 11, defect 3: AUTO-MR-101 was titled 日常维护 with the alternative label 一级维护 (GB/T 18344 distinguishes them).

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_auto_mr_101_is_not_daily_or_first_level_maintenance  # noqa: F401  (fixture and test re-used)
