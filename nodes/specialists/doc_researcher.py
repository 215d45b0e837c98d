"""doc_researcher: finds what company documents say, with citations."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool

from nodes.specialists.spec import StepArg


@tool
def search_docs(query: str, step: StepArg) -> str:
    """Search the documents; returns the best-matching sections with snippets."""
    hits = step.workspace.documents.search(query, limit=5)
    if not hits:
        return "No document matches that query; try other words."
    return "\n".join(f"- {h.doc} § {h.section}: {h.snippet}" for h in hits)


@tool(response_format="content_and_artifact")
def read_doc(doc: str, step: StepArg, section: str | None = None) -> tuple[str, dict[str, Any]]:
    """Read a document, or one of its sections by heading, from the docs folder."""
    text = step.workspace.documents.read(doc, section)
    source = f"{doc} § {section}" if section else doc
    return text, {"sources": [source]}


# Its description, prompt and reviews are in builtin.yaml, the built-in team file.
TOOLS = [search_docs, read_doc]
