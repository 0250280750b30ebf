"""Many documents at once, rendered in worker processes (never threads: a WeasyPrint font configuration
must not be shared across threads, and one per process is reused for every document it renders).

* :func:`render_batch` — one print-ready PDF: the documents are split into chunks of ~100 pages, each
  chunk is rendered by a worker as one multi-page document (fonts embedded once per chunk; a
  1,000-page document would take >1 GB), and the chunks are merged with pypdf, in order.
* :func:`render_zip` — a ZIP of one PDF per document, named by the caller.
* :func:`iter_batch` / :func:`iter_zip` — the same, as generators yielding a :class:`Progress` after
  each chunk, for a background job to report; the last one carries the result.

Workers are started with ``spawn`` (a fresh interpreter, nothing inherited from a threaded parent) and
live for one call. ``processes=0`` renders in the calling process instead (tests, tiny batches).
"""

from __future__ import annotations

import io
import multiprocessing
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

from pypdf import PdfWriter

from competition.pdf.documents import Document

__all__ = [
    "DEFAULT_CHUNK",
    "Progress",
    "iter_batch",
    "iter_zip",
    "merge_pdfs",
    "render_batch",
    "render_zip",
]

#: Pages per multi-page chunk: big enough to share fonts, small enough to keep a worker near 300 MB.
DEFAULT_CHUNK = 100
#: Documents per task when rendering one PDF each (amortises sending work to a process).
_ZIP_TASK = 25


@dataclass(frozen=True, slots=True)
class Progress:
    """After a chunk: ``done`` of ``total`` documents rendered, chunk ``chunk`` (1-based) of ``chunks``.
    ``result`` is ``None`` until the last step, which carries the merged PDF or the ZIP bytes."""

    done: int
    total: int
    chunk: int
    chunks: int
    result: bytes | None = None

    @property
    def fraction(self) -> float:
        """Share done, 0.0–1.0."""
        return self.done / self.total if self.total else 1.0


# ---------------------------------------------------------------------------------------------------------
# Worker side (module-level functions: they are pickled by name into the worker processes)


def _warm_up() -> None:
    from competition.pdf import render

    render.font_config()


def _render_chunk(documents: Sequence[Document]) -> bytes:
    from competition.pdf import render

    return render.render_documents(list(documents)).data


def _render_each(documents: Sequence[Document]) -> list[bytes]:
    from competition.pdf import render

    return [render.render(document).data for document in documents]


# ---------------------------------------------------------------------------------------------------------
# Parent side


class _InProcess(Executor):
    """The Executor interface, running each call in the calling thread (``processes=0``)."""

    def map(
        self, fn: Callable, *iterables: Iterable, timeout: float | None = None, chunksize: int = 1
    ) -> Iterator:  # type: ignore[override]
        return (fn(*args) for args in zip(*iterables, strict=True))


def _executor(processes: int, tasks: int) -> Executor:
    if processes < 0:
        raise ValueError(f"processes must be 0 or more, not {processes}")
    if processes == 0:
        return _InProcess()
    return ProcessPoolExecutor(
        max_workers=max(1, min(processes, tasks)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_warm_up,
    )


def _chunks(documents: Sequence[Document], size: int) -> list[Sequence[Document]]:
    if size < 1:
        raise ValueError(f"chunk must be at least 1, not {size}")
    return [documents[i : i + size] for i in range(0, len(documents), size)]


def merge_pdfs(parts: Iterable[bytes]) -> bytes:
    """One PDF of the pages of ``parts``, in order (pypdf)."""
    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def iter_batch(
    documents: Sequence[Document], *, chunk: int = DEFAULT_CHUNK, processes: int = 2
) -> Iterator[Progress]:
    """Render ``documents`` (one page each) as one PDF, in order, yielding a :class:`Progress` after each
    chunk of ``chunk`` pages; the last carries the merged PDF. Raises :class:`ValueError` for no
    documents and whatever rendering raises (see :mod:`competition.pdf.render`)."""
    documents = list(documents)
    if not documents:
        raise ValueError("no documents to render")
    chunks = _chunks(documents, chunk)
    parts: list[bytes] = []
    done = 0
    with _executor(processes, len(chunks)) as pool:
        for index, (part, size) in enumerate(
            zip(pool.map(_render_chunk, chunks), map(len, chunks), strict=True), 1
        ):
            parts.append(part)
            done += size
            if index < len(chunks):
                yield Progress(done, len(documents), index, len(chunks))
    yield Progress(done, len(documents), len(chunks), len(chunks), merge_pdfs(parts))


def render_batch(
    documents: Sequence[Document],
    *,
    chunk: int = DEFAULT_CHUNK,
    processes: int = 2,
    progress: Callable[[Progress], None] | None = None,
) -> bytes:
    """One merged, print-ready PDF of ``documents`` in order (see :func:`iter_batch`); ``progress`` is
    called after each chunk."""
    result = b""
    for step in iter_batch(documents, chunk=chunk, processes=processes):
        if progress is not None:
            progress(step)
        result = step.result or result
    return result


def _zip_names(names: Sequence[str], count: int) -> list[str]:
    if len(names) != count:
        raise ValueError(f"{count} documents but {len(names)} names")
    out, seen = [], set()
    for name in names:
        clean = str(name).strip()
        if not clean or "/" in clean or "\\" in clean or clean in (".", "..") or "\x00" in clean:
            raise ValueError(f"not a file name: {name!r}")
        if not clean.lower().endswith(".pdf"):
            clean += ".pdf"
        if clean.casefold() in seen:
            raise ValueError(f"file name used twice: {clean}")
        seen.add(clean.casefold())
        out.append(clean)
    return out


def iter_zip(
    documents: Sequence[Document], names: Sequence[str], *, processes: int = 2
) -> Iterator[Progress]:
    """Render one PDF per document into a ZIP, ``names[i]`` (``.pdf`` added if missing) for
    ``documents[i]``, yielding a :class:`Progress` every 25 documents; the last carries the ZIP bytes.
    Raises :class:`ValueError` for no documents, a count mismatch, a name with a path separator or a
    name used twice (case-insensitively)."""
    documents = list(documents)
    if not documents:
        raise ValueError("no documents to render")
    files = _zip_names(names, len(documents))
    tasks = _chunks(documents, _ZIP_TASK)
    out = io.BytesIO()
    done = 0
    # PDF streams are already compressed: storing is as small as deflating, and faster.
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive,
        _executor(processes, len(tasks)) as pool,
    ):
        for index, pdfs in enumerate(pool.map(_render_each, tasks), 1):
            for pdf in pdfs:
                archive.writestr(files[done], pdf)
                done += 1
            if index < len(tasks):
                yield Progress(done, len(documents), index, len(tasks))
    yield Progress(done, len(documents), len(tasks), len(tasks), out.getvalue())


def render_zip(
    documents: Sequence[Document],
    names: Sequence[str],
    *,
    processes: int = 2,
    progress: Callable[[Progress], None] | None = None,
) -> bytes:
    """A ZIP of one PDF per document (see :func:`iter_zip`); ``progress`` is called after each step."""
    result = b""
    for step in iter_zip(documents, names, processes=processes):
        if progress is not None:
            progress(step)
        result = step.result or result
    return result
