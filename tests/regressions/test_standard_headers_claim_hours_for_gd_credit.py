"""Issue 11, defect 2: standard-*.ttl headers said GD-credit units state notional hours.

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_standard_headers_do_not_claim_hours_for_gd_credit  # noqa: F401  (fixture and test re-used)
