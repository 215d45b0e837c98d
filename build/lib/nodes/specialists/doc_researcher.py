"""doc_researcher: finds what company documents say, with citations."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool

from nodes.specialists.spec import SpecialistSpec, StepArg

PROMPT = """You are doc_researcher: you find what the company's documents say.

Search with search_docs, then read the relevant sections with read_doc. Cite every claim \
as [document § section]. Say plainly when the documents do not answer; never invent a \
policy or a date."""


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


SPEC = SpecialistSpec(
    name="doc_researcher",
    description="Finds what company documents (policies with dated revisions, quarterly "
    "memos, product notes) say, citing document and section.",
    prompt=PROMPT,
    tools=[search_docs, read_doc],
)
