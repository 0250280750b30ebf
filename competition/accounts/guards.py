"""View decorators and loaders that apply :mod:`competition.accounts.access`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from competition.accounts.access import Permission, has_permission, may_manage_contest
from competition.contests.models import Contest, Event
from competition.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def require(permission: Permission) -> Callable[[F], F]:
    """Let the view run only for users holding ``permission``.

    Anonymous users are sent to sign in (with a safe ``next``); signed-in users
    without the permission get 403. Users who must change their password are
    sent to do so first.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                flash(_("请先登录。"), "info")
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.must_change_password:
                flash(_("请先修改初始密码。"), "warning")
                return redirect(url_for("auth.change_password"))
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def managed_contest_or_404(contest_id: int) -> Contest:
    """The contest, if the current user may manage it; 404 otherwise (existence is not revealed)."""
    contest = db.session.get(Contest, contest_id)
    if contest is None or not may_manage_contest(current_user, contest):
        abort(404)
    return contest


def managed_event_or_404(event_id: int) -> Event:
    """The event, if the current user may manage its contest; 404 otherwise."""
    event = db.session.get(Event, event_id)
    if event is None or not may_manage_contest(current_user, event.contest):
        abort(404)
    return event
