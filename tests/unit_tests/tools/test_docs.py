import os
import shutil
from pathlib import Path

import pytest

from tools.docs import DocumentLibrary
from tools.errors import ToolError
from tools.sample import SampleData


@pytest.fixture()
def library(sample: SampleData, tmp_path: Path) -> DocumentLibrary:
    docs = tmp_path / "docs"
    shutil.copytree(sample.docs_dir, docs)
    return DocumentLibrary(docs, tmp_path / "index" / "docs.sqlite")


def test_search_finds_north_returns_window_revision(library: DocumentLibrary) -> None:
    top = library.search("North returns window")[0]
    assert top.doc == "returns-policy.md"
    assert top.section.startswith("Revision 2025-04-01")
    assert "[North]" in top.snippet


def test_search_finds_outdoor_price_increase(library: DocumentLibrary) -> None:
    top = library.search("outdoor price increase 2025")[0]
    assert (top.doc, top.section) == (
        "pricing-policy.md",
        "Revision 2025-01-01: Outdoor price increase",
    )


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "NEAR(x y)", "col:*", "a-b^c"])
def test_search_never_raises_on_punctuation(library: DocumentLibrary, query: str) -> None:
    assert isinstance(library.search(query), list)


def test_search_of_only_punctuation_asks_for_keywords(library: DocumentLibrary) -> None:
    with pytest.raises(ToolError, match="give a few keywords"):
        library.search("-)(^")


def test_read_returns_one_section_by_heading(library: DocumentLibrary) -> None:
    heading = "Revision 2025-04-01: North returns window cut to 14 days"
    text = library.read("returns-policy", heading)
    assert text.startswith("## Revision 2025-04-01") and "14 days" in text
    assert "Scope" not in text


def test_read_unknown_section_lists_the_real_ones(library: DocumentLibrary) -> None:
    with pytest.raises(ToolError, match="sections: Scope; Revision 2024-01-01"):
        library.read("returns-policy.md", "Refunds")


@pytest.mark.parametrize("doc", ["../x", "../docs/returns-policy.md", "/etc/passwd"])
def test_read_refuses_paths_outside_the_folder(library: DocumentLibrary, doc: str) -> None:
    with pytest.raises(ToolError, match="refused"):
        library.read(doc)


def test_read_refuses_symlink_pointing_outside(library: DocumentLibrary, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\n## Key\n\ntop secret words\n")
    os.symlink(secret, library.docs_dir / "leak.md")
    with pytest.raises(ToolError, match="outside the documents folder"):
        library.read("leak.md")
    assert all(hit.doc != "leak.md" for hit in library.search("top secret words"))


def test_index_rebuilds_only_when_a_file_changes(library: DocumentLibrary) -> None:
    assert library.search("returns")
    assert library.builds == 1
    assert library.search("pricing") and library.builds == 1
    # A second library over the same index reuses it.
    again = DocumentLibrary(library.docs_dir, library.index_path)
    assert again.search("returns") and again.builds == 0
    note = library.docs_dir / "shipping-policy.md"
    note.write_text(note.read_text() + "\n## Drones\n\nZephyr drone delivery pilot.\n")
    hits = library.search("zephyr drone")
    assert library.builds == 2 and hits[0].section == "Drones"
    (library.docs_dir / "shipping-policy.md").unlink()
    assert library.search("zephyr drone") == [] and library.builds == 3
