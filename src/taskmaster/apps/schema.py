"""What an application YAML may contain: document types, page types, fields, exports.

An application is `document_types -> pages (page types) -> fields`. A page type is either
a *fingerprint* (a known form: a reference image plus field zones in its pixel frame) or a
*layout* page (no template: fields are located on the page's full text, e.g. receipts).

An application comes from whoever may edit YAML, and its names become paths and SQL:
a document type's name is a file name under `<home>/exports/<app>/` and the default
SQL export table, so names are plain (letters, digits, `_.-`), a path option of an
export or a reference image stays inside its folder, and no SQL table may be one of
Taskmaster's own (`users`, `batches`, ...) or procrastinate's. `apps validate` names the
file, line and key of a violation.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from taskmaster.db.models import Base

FieldKind = Literal["text", "comb", "date", "checkbox", "signature", "barcode", "layout"]
FieldType = Literal[
    "string",
    "date",
    "phone",
    "zip",
    "state",
    "alnum",
    "email",
    "enum",
    "boolean",
    "amount",
    "integer",
]
BBox = tuple[int, int, int, int]
PLAIN_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"  # safe as a file name and a table name
TABLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Export options that name a file or folder (under the application's exports folder).
PATH_OPTIONS = {
    "path",
    "dir",
    "directory",
    "folder",
    "subdir",
    "subfolder",
    "file",
    "filename",
    "output",
}
RESERVED_TABLE_PREFIXES = ("procrastinate_", "alembic_", "sqlite_", "pg_")


def own_tables() -> frozenset[str]:
    """Taskmaster's own table names (an export must never write into one)."""
    return frozenset(Base.metadata.tables) | {"alembic_version"}


def table_form(name: str) -> str:
    """The SQL table a name becomes (as the SQL export derives it)."""
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def check_table(name: str) -> str:
    """`name` if it may be an export's table; ValueError naming the problem otherwise."""
    table = table_form(name)
    if table in own_tables() or table.startswith(RESERVED_TABLE_PREFIXES):
        raise ValueError(
            f"{name!r} is one of Taskmaster's own tables; an export may not "
            "write into it (choose another name)"
        )
    return name


def check_relative(value: str, what: str) -> str:
    """`value` if it is a relative path that stays inside its folder; ValueError else."""
    parts = PurePosixPath(value).parts
    if (
        not value
        or value.startswith(("/", "~"))
        or "\\" in value
        or "\0" in value
        or ":" in value
        or ".." in parts
    ):
        raise ValueError(
            f"{what} {value!r} must be a relative path inside its folder "
            "(no leading /, no .., no \\, no drive)"
        )
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    """One box of a checkbox group."""

    value: str | bool
    label: str = ""
    bbox: BBox


class ListFormat(Strict):
    """A text field whose value is a list ("CODEINE, SULFA"): how its items are joined,
    and the word list (`reading/lexicons/ITEMS.txt`) its items come from. The reader
    puts back a separator it read as another mark or lost between two items of the
    list, for a person to confirm (docs/forms.md)."""

    separator: str = Field(", ", min_length=1)
    items: str = Field(pattern=r"^[a-z][a-z0-9_]*$")


class FieldDef(Strict):
    """One field of a page type.

    `bbox` and every nested box are in pixels of the page type's reference image.
    `boxes` (comb) has one box per character; `parts` (date) the DD, MM, YYYY zones.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = ""
    kind: FieldKind
    type: FieldType = "string"
    required: bool = False
    bbox: BBox | None = None
    boxes: list[BBox] = []
    parts: list[BBox] = []
    options: list[Option] = []
    format: str | None = None  # e.g. DD/MM/YYYY for dates
    style: str | None = None  # "box" | "underline" for text fields
    lines: int = 1
    list_format: ListFormat | None = None  # text fields: the value is a list of items
    symbology: list[str] = []
    pattern: str | None = None  # regex the canonical value must match
    checksum: Literal["luhn", "mod10", "none"] = "none"
    keep_text: bool = False  # keep the text as printed (whitespace normalised)
    locate: dict[str, Any] = {}  # layout fields: how to find the value on the page
    min_confidence: float | None = None  # a floor under the accept threshold
    max_error: float | None = Field(None, gt=0, lt=1)  # this field's own error budget
    pdf_name: str | None = None  # the fillable PDF's fully qualified field name
    detected: float | None = Field(None, ge=0, le=1)  # how sure onboarding's detector was
    unsure: str | None = None  # why onboarding doubts this field (for the checker)

    @model_validator(mode="after")
    def _zones(self) -> FieldDef:
        if self.kind != "layout" and self.bbox is None:
            raise ValueError(f"field {self.name!r} of kind {self.kind!r} needs a bbox")
        if self.kind == "comb" and not self.boxes:
            raise ValueError(f"comb field {self.name!r} needs boxes (one per character)")
        if self.kind == "checkbox" and not self.options:
            raise ValueError(f"checkbox field {self.name!r} needs options")
        if self.type == "enum" and not self.options:
            raise ValueError(f"enum field {self.name!r} needs options")
        return self


class PageType(Strict):
    """A page layout: a fingerprint (reference image) or a template-free layout page."""

    name: str
    reference: str | None = None  # reference image, relative to the application file
    size: tuple[int, int] | None = None  # reference width, height in pixels
    dpi: int = 300
    marks: list[BBox] = []  # registration marks (solid squares) on the reference
    classify: dict[str, Any] = {}  # layout pages: keywords/patterns that identify them
    ocr: str | None = None  # OCR engine plugin for the full-page read (None: default)
    fields: list[FieldDef] = []

    @field_validator("reference")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        return None if value is None else check_relative(value, "reference image")

    @model_validator(mode="after")
    def _has_identity(self) -> PageType:
        if self.reference is None and not self.classify:
            raise ValueError(f"page type {self.name!r} needs a reference image or classify rules")
        return self  # duplicate names and zones: `geometry`, which can name their line


class PageSlot(Strict):
    """A page of a document type, in order."""

    type: str
    optional: bool = False


class DocumentType(Strict):
    """A kind of document: its pages in order. The first page starts a new document."""

    name: str = Field(pattern=PLAIN_NAME)  # a file name and the default export table
    pages: list[PageSlot]

    @field_validator("name")
    @classmethod
    def _not_ours(cls, value: str) -> str:
        return check_table(value)


class ExportDef(Strict):
    """One export of finished documents."""

    kind: str  # "json" | "csv" | "sql" | a plugin's name
    options: dict[str, Any] = {}

    @field_validator("options")
    @classmethod
    def _contained(cls, options: dict[str, Any]) -> dict[str, Any]:
        for key, value in options.items():
            if key == "table":
                if not isinstance(value, str) or not TABLE.match(value):
                    raise ValueError(
                        f"table {value!r} must be lowercase letters, digits "
                        "and _ (at most 63), starting with a letter or _"
                    )
                check_table(value)
            elif key.startswith("secret"):
                continue  # read, never written (e.g. a webhook's secret_file under /run)
            elif key in PATH_OPTIONS or key.endswith(("_path", "_dir", "_file")):
                if not isinstance(value, str):
                    raise ValueError(f"option {key!r} must be a relative path")
                check_relative(value, f"option {key!r}")
        return options


class Application(Strict):
    """A named, versioned capture configuration."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: int = 1
    title: str = ""
    description: str = ""
    # Largest share of wrong values among fields accepted without a person, kept with
    # `error_confidence` by the calibrated thresholds (docs/calibration.md).
    max_error: float = Field(0.005, gt=0, lt=1)
    error_confidence: float = Field(0.95, ge=0.5, lt=1)
    # A bare static threshold, used only while the application has no calibration fit;
    # unset (the default), a new application sends every field to review until it has one.
    accept_confidence: float | None = Field(None, ge=0, le=1)
    page_types: list[PageType]
    document_types: list[DocumentType]
    exports: list[ExportDef] = [ExportDef(kind="json")]

    @model_validator(mode="after")
    def _references(self) -> Application:
        known = {p.name for p in self.page_types}
        for doc in self.document_types:
            for slot in doc.pages:
                if slot.type not in known:
                    raise ValueError(
                        f"document type {doc.name!r} names unknown page type "
                        f"{slot.type!r} (known: {sorted(known)})"
                    )
            if not doc.pages or doc.pages[0].optional:
                raise ValueError(f"document type {doc.name!r} must start with a required page")
            seen: dict[str, str] = {}
            for slot in doc.pages:
                page = self.page_type(slot.type)
                for f in page.fields:
                    if f.name in seen and seen[f.name] != page.name:
                        raise ValueError(
                            f"field {f.name!r} appears on page types {seen[f.name]!r} "
                            f"and {page.name!r} of document type {doc.name!r}; "
                            "give one of them its own name"
                        )
                    seen[f.name] = page.name
        return self

    def page_type(self, name: str) -> PageType:
        for p in self.page_types:
            if p.name == name:
                return p
        raise KeyError(name)

    def document_type_for_page(self, page_type: str) -> DocumentType | None:
        """The document type a page of this type starts (None if it only continues one)."""
        for doc in self.document_types:
            if doc.pages[0].type == page_type:
                return doc
        return None

    def all_fields(self) -> dict[str, FieldDef]:
        """Every field of every document type by name (names are unique per type)."""
        return {f.name: f for doc in self.document_types for _, f in self.fields_of(doc)}

    def fields_of(self, doc: DocumentType) -> list[tuple[str, FieldDef]]:
        """Every field of a document type with the page type it sits on, in order."""
        return [(slot.type, f) for slot in doc.pages for f in self.page_type(slot.type).fields]
