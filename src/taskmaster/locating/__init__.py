"""Documents without a template: layout analysis, page classification and field
location on a page's full-page OCR words (receipts and the like). Where `reading/`
reads the zones a known form's template gives, this package locates the fields first.

Public surface:
- `classify_layout_page(words, page_type) -> float`: how much the page looks like the type;
- `extract_fields(words, page_size, page_type) -> dict[str, Located]`: one value per field;
- `read_page_words(ocr, image) -> list[Word]`: full-page OCR prepared for small text;
- `group_lines`, `group_blocks`, `reading_order`: rows and blocks from word boxes.
"""

from taskmaster.locating.classify import classify_layout_page
from taskmaster.locating.extract import extract_fields
from taskmaster.locating.layout import Block, Line, group_blocks, group_lines, reading_order
from taskmaster.locating.located import Located
from taskmaster.locating.ocr_prep import prepare_page, read_page_words

__all__ = [
    "Block",
    "Line",
    "Located",
    "classify_layout_page",
    "extract_fields",
    "group_blocks",
    "group_lines",
    "prepare_page",
    "read_page_words",
    "reading_order",
]
