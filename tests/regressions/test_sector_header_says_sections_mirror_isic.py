"""Issue 11, defect 9: the sector list header said GB/T 4754 sections mirror ISIC Rev.4; it is a non-equivalent adoption.

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_sector_list_states_the_isic_relation  # noqa: F401  (fixture and test re-used)
