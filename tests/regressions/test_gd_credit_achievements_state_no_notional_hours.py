"""Issue 11, defect 1: the course and dim-sum achievements stated notional hours with GD credit (GD hours-per-credit is unpublished); the course now uses the higher-education course credit.

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_gd_credit_achievements_state_no_notional_hours  # noqa: F401  (fixture and test re-used)
