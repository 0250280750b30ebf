"""Job pages: progress of a background job, and its result once finished (owner only)."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_login import current_user, login_required

from competition.jobs import queue

jobs = Blueprint("jobs", __name__, url_prefix="/jobs")


def _state(job_id: str) -> queue.JobState:
    if not re.fullmatch(r"[0-9a-f]{32}", job_id):
        abort(404)
    state = queue.get(current_app, job_id, owner=f"user:{current_user.id}")
    if state is None:
        abort(404)
    return state


@jobs.route("/<job_id>")
@login_required
def show(job_id: str):
    return render_template("jobs/show.html", job=_state(job_id))


@jobs.route("/<job_id>/download")
@login_required
def download(job_id: str):
    state = _state(job_id)
    path = queue.result_path(current_app, state.id)
    if state.state != "finished" or not path.exists():
        abort(404)
    return send_file(path, as_attachment=True, download_name=state.result_name or state.id)
