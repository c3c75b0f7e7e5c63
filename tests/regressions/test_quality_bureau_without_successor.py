"""Issue 11, defect 8: 广东省质量技术监督局 did not record its 2018 successor 广东省市场监督管理局.

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_quality_bureau_records_its_successor  # noqa: F401  (fixture and test re-used)
