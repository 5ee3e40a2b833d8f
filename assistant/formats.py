"""Text of the rich formats `assistant ingest` reads, in the shape the chunker expects: headings as '##' sections,
one line per paragraph, and one line per table row with its cells kept apart ("Trial: ASTIS | Mortality: 10%.").

- HTML: trafilatura keeps the page's main text and drops the boilerplate (cookie banners, navigation, sidebars,
  footers, scripts, styles); it runs on the parsed page only and fetches nothing.
- DOCX: python-docx reads the body in order (headings, paragraphs, tables)."""

from __future__ import annotations

import io
import logging
import re
from itertools import zip_longest

_BLOCKS = {"body", "div", "head", "p", "list", "item", "table", "quote", "code"}  # trafilatura's block elements


def sentence(text: str) -> str:
    """A table row or list item as a sentence of its own (the chunker splits prose at full stops)."""
    return text if not text or text[-1] in ".!?" else text + "."


def table_lines(rows: list[list[str]], header: bool) -> list[str]:
    """One sentence per row, cells separated by ' | '; with a header row, each cell is labelled by its column."""
    labels = [re.sub(r"[:\s]+$", "", label) for label in rows[0]] if header and len(rows) > 1 else []
    lines = []
    for cells in rows[1:] if labels else rows:
        parts = [f"{label}: {cell}" if label else cell for label, cell in zip_longest(labels, cells, fillvalue="")
                 if cell]
        if parts:
            lines.append(sentence(" | ".join(parts)))
    return lines


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _element_text(element) -> str:
    for br in element.iter("lb"):  # a line break inside a paragraph separates words
        br.tail = " " + (br.tail or "")
    return _flat("".join(element.itertext()))


def _html_lines(element):
    """Lines of trafilatura's XML: head, p, list/item, table/row/cell, quote, code (formatting and links off)."""
    if element.tag == "head":
        yield "## " + _element_text(element)
    elif element.tag == "table":
        rows = [row.findall("cell") for row in element.iter("row")]
        header = bool(rows and rows[0] and all(c.get("role") == "head" for c in rows[0]))
        yield from table_lines([[_element_text(c) for c in row] for row in rows], header)
    elif not any(child.tag in _BLOCKS for child in element):  # a paragraph, an item, a quote
        yield sentence(_element_text(element)) if element.tag == "item" else _element_text(element)
    else:
        yield _flat(element.text or "")
        for child in element:
            yield from _html_lines(child)
            yield _flat(child.tail or "")


def _not_discarding(record: logging.LogRecord) -> bool:
    """trafilatura warns 'discarding data: None' for a page without text; ingest says so itself, in its line."""
    return not record.getMessage().startswith("discarding data")


def html_text(text: str) -> tuple[str, dict]:
    """The main text of an HTML page, and its title. The page is parsed by lxml first, so that a fragment
    without <html> or <body> is read too; trafilatura receives the tree and never fetches anything."""
    import lxml.html
    from lxml.etree import ParserError
    import trafilatura

    logging.getLogger("trafilatura.core").addFilter(_not_discarding)  # added once: the same filter is not re-added
    try:  # the text is already decoded: lxml must not look for another encoding in the page
        tree = lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except ParserError:  # nothing but white space
        return "", {}
    # favor_recall: a document the user chose to add loses less (on a short page the default falls back to flat
    # text and a table's rows run together). The page's date is not taken: trafilatura guesses it, from a
    # copyright line in the footer if need be.
    doc = trafilatura.bare_extraction(tree, favor_recall=True, include_tables=True, include_comments=False,
                                      include_links=False, include_images=False, include_formatting=False,
                                      with_metadata=True)
    if doc is None or doc.body is None:  # no text at all (scripts and styles only)
        return "", {}
    body = "\n".join(line for line in _html_lines(doc.body) if line.strip("# "))
    return body, ({"title": doc.title} if doc.title else {})


def _docx_header(table) -> bool:
    """Whether Word marks the table's first row as its header: 'Header Row' (w:tblLook, on by default for a new
    table) or 'Repeat as header row' (w:tblHeader). python-docx does not expose either, so the XML is read."""
    from docx.oxml.ns import qn

    if table._tbl.xpath("./w:tr[1]/w:trPr/w:tblHeader"):
        return True
    look = table._tbl.xpath("./w:tblPr/w:tblLook")
    if not look:
        return False
    first_row, val = look[0].get(qn("w:firstRow")), look[0].get(qn("w:val"))
    if first_row is not None:
        return first_row in ("1", "true", "on")
    return bool(val) and bool(int(val, 16) & 0x20)


def _docx_row(row) -> list[str]:
    """A row's cells, one per column of the grid: a cell merged across columns is read once, then left empty
    for the other columns it spans (python-docx repeats it), so that labels stay over their own column."""
    cells, column, grid = [], 0, row.cells
    while column < len(grid):
        span = max(grid[column].grid_span, 1)
        cells += [_flat(grid[column].text)] + [""] * (span - 1)
        column += span
    return cells


def docx_text(data: bytes) -> tuple[str, dict]:
    """The text of a Word document in reading order, and its title (the document's properties, else its first
    paragraph in the Title style). Raises what python-docx raises on a damaged or non-Word file."""
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    lines, title = [], _flat(document.core_properties.title or "")
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = [_docx_row(row) for row in block.rows]
            lines += table_lines(rows, _docx_header(block)) if rows else []
            continue
        text, style = _flat(block.text), (block.style.name if block.style is not None else "") or ""
        if not text:
            continue
        if style == "Title" or style.lower().startswith("heading"):
            title = title or (text if style == "Title" else "")
            lines.append("## " + text)
        else:
            lines.append(sentence(text) if style.startswith("List") else text)
    return "\n".join(lines), ({"title": title} if title else {})
