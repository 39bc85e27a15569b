"""The result JSON of a document, exactly as BRIEF.md shows it (CLI and API share it)."""

from __future__ import annotations

from typing import Any

from taskmaster.db.models import Document


def document_result(doc: Document) -> dict[str, Any]:
    """One document in the contract shape: pages, then every field of its type."""
    return {
        "document": doc.id,
        "batch": doc.batch_id,
        "app": doc.app,
        "type": doc.type,
        "status": doc.status,
        **({"error": doc.error} if doc.error else {}),
        **({"qa_sample": True} if doc.qa_sample else {}),
        "pages": [
            {"number": p.number, "source": p.source, "type": p.type}
            for p in sorted(doc.pages, key=lambda p: p.number or 0)
        ],
        "fields": {
            f.name: {
                "value": f.value,
                "confidence": round(float(f.confidence), 4),
                "status": f.status,
                "page": f.page,
                "bbox": f.bbox,
                "source": f.source,
                "messages": list(f.messages or []),
            }
            for f in sorted(doc.fields, key=lambda f: f.position)
        },
    }
