"""Issue 11, defect 4: AUTO-INS-601 rendered 资质认定 (CMA) as accreditation, which is CNAS 认可.

Reproduction: load vocabularies/*.ttl and check the corrected statement (see tests/model/test_content.py).
"""

from tests.model.test_content import g, test_auto_ins_601_english_says_qualification_approval  # noqa: F401  (fixture and test re-used)
