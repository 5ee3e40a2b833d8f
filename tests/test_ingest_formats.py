"""Ingesting HTML (trafilatura) and DOCX (python-docx): boilerplate out, headings as sections, table cells kept
apart, figures answered with a citation; damaged files, empty folders and the progress bar of a big file."""

import io
import os
import pty
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import cli
from assistant.ingest import ingest

FORMATS = Path(__file__).parent / "fixtures" / "formats"
BOILERPLATE = ("cookie", "Example Clinic", "Meet the team", "Contact the clinic", "newsletter", "healthy winter",
               "Related articles", "Share this page", "All rights reserved", "Privacy policy", "trackingPixel",
               "font-family", "JavaScript")


def text_of(index, source_id: str) -> str:
    return " ".join(p.text for p in index.loaded.of_source(source_id))


def cites(answer, source_id: str, figure: str) -> bool:
    """Whether a sentence of the answer states the figure and cites the source for it."""
    numbers = {r.n for r in answer.references if r.source_id == source_id}
    return any(figure in s.text and numbers & set(s.citations) for s in answer.sentences)


def word_document(path: Path) -> Path:
    """A Word file as an author makes one: a title, headings, paragraphs, a list, a table with a merged cell."""
    import docx

    document = docx.Document()
    document.add_heading("Quillon cohort audit of stem cell transplantation", 0)
    document.add_heading("Patients and methods", 1)
    document.add_paragraph("The Quillon cohort audit followed adults with early diffuse cutaneous systemic sclerosis "
                           "who received autologous haematopoietic stem cell transplantation at two centres between "
                           "2015 and 2020, after cardiac and pulmonary screening by a joint team. Event-free survival "
                           "was defined as survival without persistent major organ failure, and every patient was "
                           "seen at least once a year for five years after the transplant.")
    document.add_paragraph("Cardiac MRI before conditioning", style="List Bullet")
    document.add_heading("Event-free survival", 1)
    document.add_paragraph("Event-free survival at five years after transplantation in the Quillon cohort audit is "
                           "given in the table below, next to a registry cohort treated in the same years, whose "
                           "event-free survival was not reported in a comparable way and is therefore not shown. The "
                           "audit was not randomised and its figures describe the patients of two centres only.")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("Cohort", "Patients", "Event-free survival at 5 years"), ("Quillon cohort", "42", "81%")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 0).text = "Registry cohort"
    table.cell(2, 1).merge(table.cell(2, 2)).text = "not reported"
    document.save(path)
    return path


def test_an_html_page_keeps_its_article_and_drops_the_boilerplate(home_store):
    own, index = home_store
    (outcome,) = ingest(index, [FORMATS / "clinic_page.html"], {"kind": "education"})
    assert outcome.status == "added", outcome
    source = index.loaded.sources[outcome.source_id]
    assert source.title == "Stem cell transplantation outcomes in systemic sclerosis"  # the site's name cut off
    text = text_of(index, outcome.source_id)
    assert "joint review by rheumatology and haematology" in text and "yearly lung function tests" in text
    assert not [b for b in BOILERPLATE if b.lower() in text.lower()]
    sections = [p.section for p in index.loaded.of_source(outcome.source_id)]
    assert sections == ["Stem cell transplantation outcomes in systemic sclerosis", "Treatment-related mortality",
                        "Long-term survival"]
    assert "Trial: ASTIS | Treatment-related mortality: 10%." in text and "ASTIS10%" not in text
    assert "Trial: SCOT | Treatment-related mortality: 3%." in text
    assert "troponin < 14 ng/L & a normal cardiac MRI" in text  # entities decoded once, kept as literal text

    from assistant.answer import ExtractiveEngine

    answer = ExtractiveEngine(index, own).answer("What was the treatment-related mortality in the ASTIS trial?")
    assert not answer.refused and cites(answer, outcome.source_id, "10%"), [s.text for s in answer.sentences]


def test_html_fragments_tables_and_empty_pages(tmp_path, home_store):
    _, index = home_store
    fragment = tmp_path / "fragment.html"  # no <html> or <body>: read all the same
    fragment.write_text("<table><tr><th>Trial</th><th>Patients</th></tr><tr><td>Plover</td><td>57</td></tr></table>"
                        "<p>Plover enrolled adults with systemic sclerosis.</p><ul><li>No smokers</li></ul>")
    scripts = tmp_path / "scripts.html"
    scripts.write_text("<html><head><style>p {}</style><script>var text = 'hidden';</script></head><body></body></html>")
    outcomes = {Path(o.path).name: o for o in ingest(index, [fragment, scripts], {"kind": "research", "title": "Plover"})}
    assert outcomes["fragment.html"].status == "added"
    assert text_of(index, outcomes["fragment.html"].source_id) == ("Trial: Plover | Patients: 57. Plover enrolled adults with systemic sclerosis. "
                                        "No smokers.")
    assert outcomes["scripts.html"].status == "failed" and "no text" in outcomes["scripts.html"].message


def test_a_word_document_gives_sections_paragraphs_and_table_rows(tmp_path, home_store):
    own, index = home_store
    (outcome,) = ingest(index, [word_document(tmp_path / "audit.docx")], {"kind": "research"})
    assert outcome.status == "added", outcome
    assert index.loaded.sources[outcome.source_id].title == "Quillon cohort audit of stem cell transplantation"
    # the title (a heading with no text under it) leaves no section; the list item stays a sentence of its section
    assert [p.section for p in index.loaded.of_source(outcome.source_id)] == ["Patients and methods",
                                                                              "Event-free survival"]
    text = text_of(index, outcome.source_id)
    assert "Cohort: Quillon cohort | Patients: 42 | Event-free survival at 5 years: 81%." in text
    assert "Cohort: Registry cohort | Patients: not reported." in text  # a merged cell once, under its own column
    assert "Cardiac MRI before conditioning." in text and "4281%" not in text

    from assistant.answer import ExtractiveEngine

    answer = ExtractiveEngine(index, own).answer("What was the event-free survival at 5 years in the Quillon cohort?")
    assert not answer.refused and cites(answer, outcome.source_id, "81%"), [s.text for s in answer.sentences]


def test_a_damaged_or_renamed_docx_fails_alone_with_one_line(tmp_path, home_store, monkeypatch):
    _, index = home_store
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(FORMATS / "corrupt.docx", docs / "corrupt.docx")  # a real document cut in half
    (docs / "renamed.docx").write_text("A plain text file whose name ends in .docx.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # a zip, but not a Word document
        archive.writestr("notes.txt", "not a document")
    (docs / "other.docx").write_bytes(buffer.getvalue())
    word_document(docs / "good.docx")
    outcomes = {Path(o.path).name: o for o in ingest(index, [docs], {"kind": "research"})}
    for name in ("corrupt.docx", "renamed.docx", "other.docx"):
        assert outcomes[name].status == "failed" and outcomes[name].message.startswith("unreadable DOCX ("), outcomes[name]
        assert "\n" not in outcomes[name].message
    assert "damaged" in outcomes["corrupt.docx"].message and "Content_Types" in outcomes["other.docx"].message
    assert outcomes["good.docx"].status == "added"

    import assistant.ingest as module

    monkeypatch.setattr(module, "MAX_BYTES", 200_000)  # the file is smaller than that, unpacked it is not
    assert os.path.getsize(docs / "good.docx") < 200_000
    (outcome,) = ingest(index, [docs / "good.docx"], {"kind": "research"}, replace=True)
    assert outcome.status == "failed" and "unpacks to" in outcome.message


def test_the_command_names_a_folder_with_nothing_to_ingest_and_a_bad_docx(tmp_path):
    empty, other = tmp_path / "empty", tmp_path / "other"
    empty.mkdir()
    other.mkdir()
    (other / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (other / "scan.PNG").write_bytes(b"\x89PNG")
    shutil.copy(FORMATS / "corrupt.docx", tmp_path / "corrupt.docx")
    home = ["--home", str(tmp_path / "home")]
    result = CliRunner().invoke(cli, [*home, "ingest", str(empty), str(other), str(tmp_path / "corrupt.docx"),
                                      "--kind", "research"])
    lines = result.output.splitlines()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"failed    {empty}: no file to ingest in this folder: it is empty; supported: .docx, " in result.output
    assert any(line.startswith(f"failed    {other}: no file to ingest in this folder: it holds only .doc, .png files")
               for line in lines)
    assert any(line.startswith(f"failed    {tmp_path / 'corrupt.docx'}: unreadable DOCX") for line in lines)


def test_a_big_file_shows_a_bar_on_a_terminal_and_a_small_one_none(tmp_path, home_store):
    own, _ = home_store
    paragraph = ("Paragraph {}: the clinic protocol states that autologous stem cell transplantation for systemic "
                 "sclerosis is discussed at a joint meeting within 4 weeks of referral.")
    for name, count in (("big", 3000), ("small", 1)):  # big: more than 256 passages, two batches of the store
        (tmp_path / f"{name}.md").write_text(f"---\ntitle: {name} protocol\nkind: research\n---\n"
                                             + " ".join(paragraph.format(i) for i in range(count)))
    leader, follower = pty.openpty()  # stderr is a terminal, as in a shell
    cmd = [sys.executable, "-m", "assistant.cli", "--home", str(own.home), "--corpus", str(own.corpus_dir), "ingest",
           str(tmp_path / "big.md"), str(tmp_path / "small.md")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the command has exited and closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=300)
    os.close(leader)
    bar = seen.decode()
    total = int(bar.split("big.md as big-protocol (")[1].split()[0])
    assert proc.returncode == 0 and out.count("added") == 2 and total > 256, (out, bar)
    assert "Embedding big.md" in bar and f"{total}/{total}" in bar and "passages/s" in bar, bar
    assert "small.md as small-protocol" in bar and "Embedding small.md" not in bar  # one batch: no bar
