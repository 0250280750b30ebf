"""Rendered public pages kept per process for visitors who are not signed in (a *micro-cache*).

The public portal's front page, a contest's public page and the empty certificate look-up form are the
same for every visitor who is not signed in and has no message waiting, yet cost 1–4 ms of CPU each to
render (measured in ``benchmarks/load``: on a venue day 2,000 people open them within a minute). A page
is kept here with the visitor's CSRF token taken out (:func:`competition.security.shareable_page`) and
each later visitor's own put back.

How long a kept page may be served:

* it names the data it shows through its key (the caller puts the locale, the day and the query in);
* every commit *in this process* that wrote a row of a watched model (:func:`watch`: contests, events,
  publications, notices, organizing bodies) forgets every page at once, so an organizer's change shows
  on this process's next visit;
* another process serves a page rendered before that change for at most its ``seconds`` (5 s for the
  portal pages), the same bound as the results page's publication memory
  (:data:`competition.portal.services.STAMP_SECONDS`).

The store holds at most :data:`SIZE` pages (least recently used dropped first).
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from time import monotonic

from flask import Flask, current_app, session
from flask_login import current_user
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from competition.security import page_for_visitor, shareable_page

SIZE = 512
"""Pages kept per process (a portal page is 10–40 kB)."""

_lock = threading.Lock()
_watched: tuple[type, ...] = ()
_INFO_KEY = "pagecache_public_write"


def _store(app: Flask) -> OrderedDict:
    return app.extensions.setdefault("pagecache_pages", OrderedDict())


def plain_visit() -> bool:
    """Whether the current visitor may be served a kept page: not signed in, no message waiting."""
    return not current_user.is_authenticated and not session.get("_flashes")


def get(key: tuple) -> str | None:
    """The page kept under ``key`` with this visitor's CSRF token put in, or ``None`` (never kept,
    expired, or forgotten after a write)."""
    now = monotonic()
    with _lock:
        pages = _store(current_app)
        found = pages.get(key)
        if found is None:
            return None
        if found[0] < now:
            del pages[key]
            return None
        pages.move_to_end(key)
    return page_for_visitor(found[1])


def generation() -> int:
    """How many times this process has forgotten its pages; read it *before* reading the data a page
    shows and pass it to :func:`keep`, so a page rendered from a read that raced with a write is not kept."""
    with _lock:
        return current_app.extensions.get("pagecache_generation", 0)


def keep(key: tuple, html: str, *, seconds: float, since: int) -> None:
    """Keep ``html`` (rendered in this request) under ``key`` for at most ``seconds`` seconds, unless
    the pages were forgotten after :func:`generation` returned ``since``."""
    shared = shareable_page(html)
    with _lock:
        if current_app.extensions.get("pagecache_generation", 0) != since:
            return
        pages = _store(current_app)
        pages[key] = (monotonic() + seconds, shared)
        pages.move_to_end(key)
        while len(pages) > SIZE:
            pages.popitem(last=False)


def forget_all(app: Flask | None = None) -> None:
    """Forget every kept page of ``app`` (default: the current one)."""
    app = app or current_app
    with _lock:
        _store(app).clear()
        app.extensions["pagecache_generation"] = app.extensions.get("pagecache_generation", 0) + 1


def watch(*models: type) -> None:
    """Forget every kept page after any commit that inserted, updated or deleted a row of ``models``
    (ORM flushes; a bulk ``UPDATE`` statement is bounded by the pages' ``seconds`` only)."""
    global _watched
    _watched = tuple(dict.fromkeys(_watched + models))


@sa_event.listens_for(Session, "after_flush")
def _note_public_write(session: Session, _context) -> None:
    if not _watched:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _watched):
            session.info[_INFO_KEY] = True
            _forget_if_app()  # now too: a page rendered between this flush and the commit is dropped
            return


@sa_event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_INFO_KEY, False):
        _forget_if_app()


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    # pages rendered between the flush and the rollback (by this session) showed rows that are gone
    if session.info.pop(_INFO_KEY, False):
        _forget_if_app()


def _forget_if_app() -> None:
    with contextlib.suppress(RuntimeError):  # outside an application context nothing is kept
        forget_all()
