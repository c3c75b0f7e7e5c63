"""Issue 11, defect 7: descriptor wording read as translation (基础性一般知识, 表现出高度的权威) and the ISCED-F label 自然科学、数学与统计.

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_translated_wording_is_gone  # noqa: F401  (fixture and test re-used)
