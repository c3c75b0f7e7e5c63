"""Issue 11, defect 5: GD level 1 closeMatch EQF 2 contradicted 'no HKQF counterpart'.

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_gd_level_1_has_no_close_match_and_says_why  # noqa: F401  (fixture and test re-used)
