"""The command line: `assistant index | ask | chat | eval | feedback export`."""

from __future__ import annotations

import json
import os
import sys

import click

from pathlib import Path

from .config import ROOT, ConfigError, Settings, load


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), help="Where the embedded index lives [ASSISTANT_HOME, .assistant/].")
@click.option("--corpus", type=click.Path(file_okay=False), help="Folder of corpus notes [ASSISTANT_CORPUS, corpus/].")
@click.option("--chroma-url", help="Use a Chroma server instead of the embedded store [ASSISTANT_CHROMA_URL].")
@click.option("-v", "--verbose", is_flag=True, help="Show debug logs, other packages' included [ASSISTANT_LOG_LEVEL=DEBUG].")
@click.option("-q", "--quiet", is_flag=True, help="Show errors only [ASSISTANT_LOG_LEVEL=ERROR; default WARNING].")
@click.version_option()
@click.pass_context
def cli(ctx, home, corpus, chroma_url, verbose, quiet):
    """A grounded clinical question-answering assistant: cited answers from a curated corpus, or an honest refusal."""
    from . import logs

    try:
        logs.configure(logs.level_from(verbose, quiet))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        ctx.obj = load(home=Path(home) if home else None, corpus_dir=Path(corpus) if corpus else None,
                       chroma_url=chroma_url)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


@cli.command()
@click.option("--rebuild", is_flag=True, help="Drop the index and embed everything again.")
@click.option("--optimize", is_flag=True, help="Then merge the BM25 segments into one.")
@click.pass_obj
def index(settings: Settings, rebuild: bool, optimize: bool):
    """Build or update the index from the corpus (re-embeds only notes that changed)."""
    from .corpus import CorpusError, load_corpus
    from .doctor import open_or_set_aside
    from .index import IndexUnavailable, Store
    from .progress import passages_bar, to_write

    try:
        notes = load_corpus(settings.corpus_dir)  # validate everything before touching the index
    except CorpusError as exc:
        _fail(f"{exc}\nThe index was left as it was.")
    try:  # with --rebuild, an embedded index too damaged to open is set aside and started anew
        findings = []
        store = open_or_set_aside(settings, findings) if rebuild else Store(settings)
        for finding in findings:
            click.echo(finding.message, err=True)
        with passages_bar(store, to_write(store, notes, rebuild)):
            report = store.sync(notes, rebuild=rebuild)
        merged = store.optimize() if optimize else None
    except IndexUnavailable as exc:
        _fail(str(exc))
    click.echo(report.summary() + (f"; BM25 merged: {merged.size} passages in one segment" if merged else ""))


@cli.command()
@click.pass_obj
def doctor(settings: Settings):
    """Check the corpus, the index, its embedding model, interrupted writes and the BM25 files; repair what
    can be repaired (a damaged embedded index is moved aside and rebuilt). Exit 1 if something is left broken."""
    from .doctor import FAILED, examine

    findings = examine(settings)  # an index that cannot be repaired: main() prints the one-line error
    for finding in findings:
        click.echo(finding.line())
    sys.exit(1 if any(f.status == FAILED for f in findings) else 0)


@cli.command("config")
@click.pass_obj
def show_config(settings: Settings):
    """Print the configuration in effect: every ASSISTANT_* variable, its value and where it came from."""
    from .config import VARIABLES, effective

    for name, value, origin in effective(settings):
        click.echo(f"{name:22} {value}  [{origin}; {VARIABLES[name][0]}]")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths):
    """Check corpus notes (front matter, typed statements, twins) without indexing; exit 1 on any problem."""
    from .corpus import CorpusError, parse_note

    bad = 0
    for path in paths:
        try:
            note = parse_note(path)
            click.echo(f"ok {path}: {sum(len(b.statements) for b in note.blocks)} statements")
        except (CorpusError, OSError) as exc:
            bad += 1
            click.echo(f"error {exc}", err=True)
    sys.exit(1 if bad else 0)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(["guideline", "research", "review", "education"]),
              help="Kind, when the document does not say.")
@click.option("--title", help="Title, when the document does not say.")
@click.option("--year", type=int, help="Year of publication.")
@click.option("--citation", help="The full citation, as it should appear in the reference list.")
@click.option("--authors", help="Authors.")
@click.option("--id", "source_id", help="The id to give the document (one file), e.g. when its own id is taken.")
@click.option("--replace", is_flag=True, help="Let the document replace another document that has its id.")
@click.pass_obj
def ingest(settings: Settings, paths, kind, title, year, citation, authors, source_id, replace):
    """Add your own documents (Markdown, text, HTML, PDF, DOCX; files or folders) to the index."""
    from .index import open_store
    from .ingest import ingest as run
    from .progress import file_bar

    store = _or_fail(open_store, settings)
    flags = {"kind": kind, "title": title, "year": year, "citation": citation, "authors": authors}
    outcomes = run(store, list(paths), flags, report=lambda line: click.echo(line, err=True), source_id=source_id,
                   replace=replace, progress=file_bar)
    for o in outcomes:
        click.echo(o.report())
    if any(o.status == "failed" for o in outcomes):
        sys.exit(1)


@cli.command()
@click.argument("source_id")
@click.pass_obj
def remove(settings: Settings, source_id: str):
    """Delete a source and its passages from the index."""
    from .index import Store

    store = Store(settings)
    if source_id not in store.indexed():
        _fail(f"no source {source_id!r} in the index; see `assistant sources`")
    click.echo(f"removed {source_id} ({store.remove(source_id)} passages)")


@cli.group(invoke_without_command=True)
@click.pass_context
def sources(ctx):
    """List the sources in the index (id, kind, year, verified, passages, flags)."""
    if ctx.invoked_subcommand:
        return
    from .index import open_store

    store = open_store(ctx.obj)
    loaded = store.loaded
    origins = {sid: e.get("origin", "corpus") for sid, e in store.indexed().items()}
    click.echo(f"{'id':36} {'kind':10} {'year':>4} {'verified':8} {'passages':>8}  origin  flags")
    for sid, src in sorted(loaded.sources.items()):
        click.echo(f"{sid:36} {src.kind:10} {src.year or '-':>4} {'yes' if src.verified else 'no':8} "
                   f"{len(loaded.of_source(sid)):>8}  {origins.get(sid, '-'):6}  {','.join(src.flags) or '-'}")


@sources.command("show")
@click.argument("source_id")
@click.pass_obj
def sources_show(settings: Settings, source_id: str):
    """Print one source: its citation, then its passages section by section."""
    from .index import open_store

    loaded = open_store(settings).loaded
    source = loaded.sources.get(source_id)
    if source is None:
        _fail(f"no source {source_id!r} in the index; see `assistant sources`")
    click.echo(f"{source.citation}\nkind: {source.kind}; year: {source.year or 'unknown'}; evidence: "
               f"{source.evidence or '-'}; verified: {'yes' if source.verified else 'no'}")
    if source.caveats:
        click.echo(f"caveats: {source.caveats}")
    if source.flags:
        click.echo(f"flags: {', '.join(source.flags)} (its text tries to instruct a model: kept as data, never obeyed)")
    for passage in loaded.of_source(source_id, "clinician"):
        click.echo(f"\n## {passage.section}  [{passage.id}]")
        for st in passage.statements:
            click.echo(f"- [{st.type}] {st.text} {{#{st.id.split('#', 1)[1]}}}")
            for key, value in (("plain", st.plain), ("caveat", st.caveat), ("rests on", ", ".join(st.rests_on))):
                if value:
                    click.echo(f"  - {key}: {value}")
        if not passage.statements:
            click.echo(passage.text)


@cli.command()
@click.argument("question", required=False)
@click.option("--mode", type=click.Choice(["clinician", "patient"]), default="clinician", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option("--batch", type=click.File("rb"), help="Read one question per line from FILE ('-' for stdin); write JSON Lines.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["guideline", "research", "review", "education"]),
              help="Only use sources of this kind (repeatable).")
@click.option("--since", type=int, help="Only use sources published in or after this year.")
@click.option("--passages", is_flag=True, help="Show the quoted passages under each reference.")
@click.option("--engine", "engine_name", type=click.Choice(["extractive", "llm"]), default="extractive",
              envvar="ASSISTANT_ENGINE", show_default=True, help="Answer engine [ASSISTANT_ENGINE].")
@click.option("--stream", is_flag=True, help="With --engine llm: print the answer token by token as it is written.")
@click.pass_obj
def ask(settings: Settings, question, mode, as_json, batch, kinds, since, passages, engine_name, stream):
    """Answer QUESTION from the corpus, with citations and the disclaimer."""
    from .answer import QuestionError, check_question
    from .engines import load_engine
    from .index import IndexUnavailable
    from .render import to_markdown
    from .retrieve import where_filter

    if batch is None:
        try:
            question = check_question(question)
        except QuestionError as exc:
            _fail(str(exc), 2)
    elif question:
        _fail("give a QUESTION or --batch, not both", 2)
    if stream and (engine_name != "llm" or batch is not None or as_json):
        _fail("--stream needs --engine llm and one QUESTION, without --json", 2)
    from .llm import LLMUnavailable

    try:
        engine = load_engine(settings, engine_name)
    except (IndexUnavailable, LLMUnavailable) as exc:
        _fail(str(exc))
    where = where_filter(kinds=kinds or None, min_year=since)
    if stream:
        from .generate import print_stream

        print_stream(engine, question, mode, where, click.echo)
        return
    if batch is None:
        answer = engine.answer(question, mode=mode, where=where)
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else to_markdown(answer, passages))
        return
    from .engines import answer_lines

    for record in answer_lines(engine, batch, mode, where):
        click.echo(json.dumps(record, ensure_ascii=False))


AUTH = click.option("--auth", envvar="ASSISTANT_AUTH", metavar="USER:PASSWORD",
                    help="The chat page's login (for any --host other than loopback) [ASSISTANT_AUTH].")


def _or_fail(make, *args):
    """make(*args), or what keeps the index from opening, in one line (exit 1)."""
    from .index import IndexUnavailable

    try:
        return make(*args)
    except IndexUnavailable as exc:
        _fail(str(exc))


def _warn_if_open(host: str, guard, named: str, what: str) -> None:
    if host not in ("127.0.0.1", "localhost", "::1") and not guard:
        click.echo(f"Warning: serving on {host} without {named}: anyone who can reach this port can use {what}.", err=True)


def _auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not (sep and user and password):
        raise click.BadParameter("expected USER:PASSWORD", param_hint="--auth")
    return user, password


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; loopback by default.")
@click.option("--port", default=7860, show_default=True, type=int)
@AUTH
@click.pass_obj
def chat(settings: Settings, host: str, port: int, auth: str | None):
    """Serve the chat page (builds the index first if it is missing)."""
    from .app import build_app, launch

    login = _auth(auth)
    _warn_if_open(host, login, "--auth", "the chat")
    demo = _or_fail(build_app, settings)
    click.echo(f"Chat on http://{host}:{port}")
    launch(demo, host, port, auth=login)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; loopback by default.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--chat", "with_chat", is_flag=True, help="Also serve the chat page at /chat, on the same engine.")
@AUTH
@click.pass_obj
def serve(settings: Settings, host: str, port: int, with_chat: bool, auth: str | None):
    """Serve the HTTP API: /v1/answer, /v1/sources, OpenAI-compatible /v1/chat/completions (docs at /docs)."""
    from .api import create_app

    _warn_if_open(host, os.environ.get("ASSISTANT_API_KEY"), "ASSISTANT_API_KEY", "the API")
    app = _or_fail(create_app, settings)
    if with_chat:
        from .app import mount

        app = mount(app, settings, app.state.engines["extractive"], auth=_auth(auth))
    import uvicorn

    click.echo(f"API on http://{host}:{port} (docs: /docs" + (", chat page: /chat)" if with_chat else ")"))
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.group()
def feedback():
    """Ratings and comments given on the chat page."""


@feedback.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of stdout.")
@click.pass_obj
def feedback_export(settings: Settings, fmt: str, out: str | None):
    """Print every rating with its question, answer and mode (JSON Lines or CSV)."""
    from .feedback import FeedbackStore

    import sqlite3

    store = FeedbackStore.in_home(settings.home)
    try:
        text = store.export(fmt)
        count = len(store.rows())
    except sqlite3.Error as exc:
        _fail(f"cannot read the feedback database {store.path} ({exc}): it is damaged or not this assistant's; "
              "move it aside and the chat page starts a new one")
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {out} ({exc.strerror}); check that its folder exists and is writable")
    else:
        click.echo(text, nl=False)
    click.echo(f"{count} rating(s) from {store.path}", err=True)


@cli.command("eval")
@click.option("--gold", "gold_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Gold Q&A file [evals/gold.yaml].")
@click.option("--engine", "engines", multiple=True, help="Engine to evaluate (repeatable) [extractive].")
@click.option("--mode", type=click.Choice(["clinician", "patient", "both"]), default="both", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Report folder [evals/report].")
@click.option("--check", is_flag=True, help="Exit 1 when a metric falls below its floor in evals/thresholds.yaml.")
@click.option("--limit", type=int, help="Only the first N gold items (a quick look; the probe is skipped).")
@click.option("--probes", "probes_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Scope probe questions [evals/probes.yaml].")
@click.pass_obj
def eval_(settings: Settings, gold_path, engines, mode, out, check, limit, probes_path):
    """Score the assistant on gold questions and write report.json, report.md and plots."""
    from .evaluate import GoldError, load_gold
    from .evalrun import evaluate

    try:
        items = load_gold(Path(gold_path) if gold_path else ROOT / "evals" / "gold.yaml")
    except GoldError as exc:
        _fail(str(exc), 2)
    items = items[:limit] if limit else items
    modes = ["clinician", "patient"] if mode == "both" else [mode]
    from .probes import PROBES, load_probes

    probes = load_probes(Path(probes_path)) if probes_path else (load_probes() if PROBES.exists() and not limit else [])
    failures = evaluate(settings, items, list(engines) or ["extractive"], modes,
                        Path(out) if out else ROOT / "evals" / "report", gold_path or "evals/gold.yaml", probes)
    if check and failures:
        _fail("metrics below their floor:\n  " + "\n  ".join(failures))


def main():
    """The console script. An error no command handled still ends in one line, never a traceback (set
    ASSISTANT_DEBUG=1 to see it)."""
    from .index import IndexUnavailable, WriteError

    try:
        cli(prog_name="assistant", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (IndexUnavailable, WriteError) as exc:
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - the last line of defence for the user's terminal
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        _fail(f"{exc.__class__.__name__}: {exc}. This is a bug or a damaged index: try `assistant index --rebuild`; "
              "ASSISTANT_DEBUG=1 shows the details")


if __name__ == "__main__":
    main()
