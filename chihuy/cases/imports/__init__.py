"""Import of historical case line lists: see line_list (the flow), rows (columns and row checks), chains."""

from chihuy.cases.imports.line_list import CASE_IMPORT, case_import_enqueue, case_line_list_import
from chihuy.cases.imports.rows import COLUMNS, CaseImportReport, normalize_case_number, split_infectors

__all__ = [
    "CASE_IMPORT",
    "COLUMNS",
    "CaseImportReport",
    "case_import_enqueue",
    "case_line_list_import",
    "normalize_case_number",
    "split_infectors",
]
