"""Every route, for every role, against one table of who may do what.

A new route that is missing from ROUTES fails the completeness test, so access is decided
deliberately for each page.
"""

from __future__ import annotations

import pytest

from tests.factories import World

ANON, COMPETITOR, UNIT, JUDGE, CHIEF, OTHER_ORG, ORG, ADMIN = (
    "anonymous",
    "competitor",
    "unit-contact",
    "judge",
    "chief",
    "other-organizer",
    "organizer",
    "admin",
)
ROLES = (ANON, COMPETITOR, UNIT, JUDGE, CHIEF, OTHER_ORG, ORG, ADMIN)
EVERYONE = frozenset(ROLES)
CONTEST_OWNERS = frozenset({ORG, ADMIN})
ORGANIZERS = frozenset({ORG, OTHER_ORG, ADMIN})

# endpoint: (method, url template, roles allowed). {contest}, {event}, {seat}, {user}, {body}, {unit} are
# the world's objects, all belonging to ORG's body.
ROUTES: dict[str, tuple[str, str, frozenset[str]]] = {
    "public.index": ("GET", "/", EVERYONE),
    "public.contest": ("GET", "/contests/{other_contest}", frozenset()),  # a draft: nobody sees it publicly
    "public.event_results": ("GET", "/events/{event}/results", frozenset()),  # nothing published: 404
    "auth.login": ("GET", "/auth/login", EVERYONE),
    "auth.logout": ("POST", "/auth/logout", EVERYONE),
    "auth.change_password": ("GET", "/auth/password", EVERYONE - {ANON}),
    "auth.accept_invitation": ("GET", "/auth/invitation/not-a-token", frozenset()),
    "auth.set_language": ("POST", "/auth/language", EVERYONE),
    "admin.index": ("GET", "/admin/", frozenset({ADMIN})),
    "admin.new_user": ("GET", "/admin/users/new", frozenset({ADMIN})),
    "admin.reset_password": ("POST", "/admin/users/{user}/reset-password", frozenset({ADMIN})),
    "admin.set_active": ("POST", "/admin/users/{user}/active", frozenset({ADMIN})),
    "admin.bodies": ("GET", "/admin/bodies", frozenset({ADMIN})),
    "admin.edit_body": ("GET", "/admin/bodies/{body}/edit", frozenset({ADMIN})),
    "manage.index": ("GET", "/manage/", ORGANIZERS),
    "manage.new_contest": ("GET", "/manage/contests/new", ORGANIZERS),
    "manage.contest": ("GET", "/manage/contests/{contest}", CONTEST_OWNERS),
    "manage.edit_contest": ("GET", "/manage/contests/{contest}/edit", CONTEST_OWNERS),
    "manage.change_status": ("POST", "/manage/contests/{contest}/status", CONTEST_OWNERS),
    "manage.new_event": ("GET", "/manage/contests/{contest}/events/new", CONTEST_OWNERS),
    "manage.edit_event": ("GET", "/manage/events/{event}/edit", CONTEST_OWNERS),
    "manage.delete_event": ("POST", "/manage/events/{event}/delete", CONTEST_OWNERS),
    "manage.judges": ("GET", "/manage/events/{event}/judges", CONTEST_OWNERS),
    "manage.remove_judge": ("POST", "/manage/judge-seats/{seat}/remove", CONTEST_OWNERS),
    "manage.audit": ("GET", "/manage/contests/{contest}/audit", CONTEST_OWNERS),
    "manage.invitations": ("GET", "/manage/invitations", frozenset({ORG, OTHER_ORG})),
    "manage.revoke_invitation": ("POST", "/manage/invitations/999999/revoke", frozenset()),
    "manage.units": ("GET", "/manage/units", ORGANIZERS),
    "manage.edit_unit": ("GET", "/manage/units/{unit}/edit", ORGANIZERS),
    "entries.registrations": ("GET", "/manage/events/{event}/registrations", CONTEST_OWNERS),
    "entries.approve_eligible": (
        "POST",
        "/manage/events/{event}/registrations/approve-eligible",
        CONTEST_OWNERS,
    ),
    "entries.review": ("POST", "/manage/registrations/{registration}/review", CONTEST_OWNERS),
    "entries.enter_by_hand": ("GET", "/manage/events/{event}/registrations/new", CONTEST_OWNERS),
    "entries.eligibility": ("GET", "/manage/events/{event}/eligibility", CONTEST_OWNERS),
    "entries.draw": ("GET", "/manage/events/{event}/draw", CONTEST_OWNERS),
    "entries.draw_step": (
        "POST",
        "/manage/events/{event}/draw/perform",
        frozenset(),
    ),  # no draw committed: 404
    "entries.export_list": ("GET", "/manage/events/{event}/registrations.xlsx", CONTEST_OWNERS),
    "signup.register_account": ("GET", "/signup", frozenset({ANON})),
    "my_entries.profile": ("GET", "/me/profile", frozenset({COMPETITOR})),
    # the world's contest is a draft, which nobody may enter (the open case is in tests/registration)
    "my_entries.register": ("POST", "/me/events/{event}/register", frozenset()),
    "my_entries.change_registration": (
        "POST",
        "/me/registrations/{registration}/withdraw",
        frozenset({COMPETITOR}),
    ),
    "unit_entries.template": ("GET", "/unit/contests/{public_contest}/template.xlsx", frozenset({UNIT})),
    "unit_entries.batch_import": ("GET", "/unit/contests/{public_contest}/import", frozenset({UNIT})),
    "my_entries.photo": ("GET", "/me/photo", frozenset({COMPETITOR})),
    "my_entries.photo_image": ("GET", "/me/photo.jpg", frozenset()),  # no photo uploaded yet: 404
    # the entry is not approved and drawn yet: the competitor is sent back to /me/ with a message
    "my_entries.ticket": ("GET", "/me/registrations/{registration}/ticket.pdf", frozenset({COMPETITOR})),
    "ticket_check.verify": ("GET", "/tickets/forged-code", frozenset()),
    # the world's draw is not published: the job is started for owners, and fails with a reason
    "entries.event_tickets": ("POST", "/manage/events/{event}/tickets", CONTEST_OWNERS),
    "jobs.show": ("GET", "/jobs/" + "0" * 32, frozenset()),  # nobody's job: 404 for everyone
    "jobs.download": ("GET", "/jobs/" + "0" * 32 + "/download", frozenset()),
    "judge.index": ("GET", "/judge/", frozenset({JUDGE, CHIEF})),
    # Marking and results. The world's event has no scheme and no numbered entry, so the pages that need
    # one answer 404 for everyone (their positive cases are in tests/scoring/test_marking_*.py).
    "marking.event_home": ("GET", "/judge/marking/events/{event}", frozenset({JUDGE, CHIEF})),
    "marking.scheme_tree": ("GET", "/judge/marking/events/{event}/scheme", frozenset()),
    "marking.grid": ("GET", "/judge/marking/events/{event}/practical/grid", frozenset({JUDGE, CHIEF})),
    "marking.save_mark": ("POST", "/judge/marking/events/{event}/marks", frozenset()),
    "marking.submit": ("POST", "/judge/marking/events/{event}/practical/submit", frozenset({JUDGE, CHIEF})),
    "chief.desk": ("GET", "/judge/chief/events/{event}", frozenset({CHIEF})),
    "chief.rescore": ("POST", "/judge/chief/events/{event}/rescore", frozenset()),
    "chief.override": ("POST", "/judge/chief/events/{event}/conflicts", frozenset()),
    "chief.relation": ("POST", "/judge/chief/events/{event}/relations", frozenset({CHIEF})),
    "chief.sign_off_part": ("POST", "/judge/chief/events/{event}/practical/sign-off", frozenset({CHIEF})),
    "chief.unlock_part": ("POST", "/judge/chief/events/{event}/practical/unlock", frozenset({CHIEF})),
    "chief.sign_off_event": ("POST", "/judge/chief/events/{event}/sign-off", frozenset({CHIEF})),
    "chief.unlock_event": ("POST", "/judge/chief/events/{event}/unlock", frozenset({CHIEF})),
    "chief.decrypt": ("POST", "/judge/chief/events/{event}/decrypt", frozenset({CHIEF})),
    "chief.entry_marks": ("GET", "/judge/chief/events/{event}/entries/{registration}", frozenset()),
    "results.scheme": ("GET", "/manage/events/{event}/scheme", CONTEST_OWNERS),
    "results.scheme_file": ("GET", "/manage/events/{event}/scheme.xlsx", frozenset()),
    "results.panels": ("GET", "/manage/events/{event}/panels", CONTEST_OWNERS),
    "results.theory": ("GET", "/manage/events/{event}/theory", CONTEST_OWNERS),
    "results.event_results": ("GET", "/manage/events/{event}/results", CONTEST_OWNERS),
    "results.publish": ("POST", "/manage/events/{event}/results/publish", CONTEST_OWNERS),
    "results.results_file": ("GET", "/manage/events/{event}/results/MARKS.csv", CONTEST_OWNERS),
    "results.record_appeal": ("POST", "/manage/events/{event}/appeals", CONTEST_OWNERS),
    "results.rule_appeal": ("POST", "/manage/appeals/999999/ruling", frozenset()),
    "unit.index": ("GET", "/unit/", frozenset({UNIT})),
    "me.index": ("GET", "/me/", frozenset({COMPETITOR})),
    # the competitor's own entry (outside the appeal window: refused with a message, 302)
    "me.lodge_appeal": ("POST", "/me/registrations/{registration}/appeal", frozenset({COMPETITOR})),
    # Promotion and honours. The world's contest is a draft without results, so the actions are refused
    # with a message (302) for its owners; objects the world lacks answer 404 (positive cases in
    # tests/promotion/test_workflow*.py and test_programmes*.py).
    "promotion.decisions": ("GET", "/manage/contests/{contest}/promotion", CONTEST_OWNERS),
    "promotion.choose_ruleset": ("POST", "/manage/contests/{contest}/promotion/ruleset", CONTEST_OWNERS),
    "promotion.evaluate": ("POST", "/manage/contests/{contest}/promotion/evaluate", CONTEST_OWNERS),
    "promotion.publish_notice": ("POST", "/manage/contests/{contest}/promotion/notice", CONTEST_OWNERS),
    "promotion.confirm": ("POST", "/manage/contests/{contest}/promotion/confirm", CONTEST_OWNERS),
    "promotion.edit_ruleset": ("GET", "/manage/rulesets/999999/edit", frozenset()),
    "promotion.import_ruleset": ("POST", "/manage/rulesets/999999/import", frozenset()),
    "promotion.export_ruleset": ("GET", "/manage/rulesets/999999.yaml", frozenset()),
    "promotion.delete_ruleset": ("POST", "/manage/rulesets/999999/delete", frozenset()),
    "promotion.review_decision": ("POST", "/manage/promotion-decisions/999999/review", frozenset()),
    "promotion.levels": ("GET", "/manage/competitors/999999/levels", frozenset()),
    "honours.index": ("GET", "/manage/honours/", ORGANIZERS),
    "honours.programme": ("GET", "/manage/honours/999999", frozenset()),
    "honours.batch": ("GET", "/manage/honours/batches/999999", frozenset()),
    "honours.nominate_results": ("POST", "/manage/honours/batches/999999/nominate-results", frozenset()),
    "honours.nominate_unit": ("POST", "/manage/honours/batches/999999/nominate-unit", frozenset()),
    "honours.review_nomination": ("POST", "/manage/honours/nominations/999999/review", frozenset()),
    "honours.nomination_file": ("GET", "/manage/honours/nominations/999999/attachment", frozenset()),
    "honours.batch_notice": ("POST", "/manage/honours/batches/999999/notice", frozenset()),
    "honours.confirm_batch": ("POST", "/manage/honours/batches/999999/confirm", frozenset()),
    "honours.record_pdf": ("GET", "/manage/honours/records/999999.pdf", frozenset()),
    "my_promotion.index": ("GET", "/me/promotion", frozenset({COMPETITOR})),
    "my_promotion.record_pdf": ("GET", "/me/honour-records/999999.pdf", frozenset()),
    "unit_honours.index": ("GET", "/unit/honours/", frozenset({UNIT})),
    "unit_honours.nominate": ("GET", "/unit/honours/batches/999999/nominate", frozenset()),
    "unit_honours.attachment": ("GET", "/unit/honours/nominations/999999/attachment", frozenset()),
    "honour_roll.roll_index": ("GET", "/honours/", EVERYONE),
    "honour_roll.roll": ("GET", "/honours/999999", frozenset()),
    "honour_roll.contest_notice": ("GET", "/contests/{contest}/promotions", frozenset()),
    # Certificates. The world has none, so a certificate's pages answer 404 for everyone (positive cases
    # in tests/certificates/test_views.py); its draft contest refuses award requests with a message.
    "verify.lookup": ("GET", "/verify", EVERYONE),
    "verify.show": ("GET", "/verify/forged-code", frozenset()),
    "my_certificates.download_own": ("GET", "/me/certificates/999999.pdf", frozenset()),
    "certificates.contest_certificates": ("GET", "/manage/contests/{contest}/certificates", CONTEST_OWNERS),
    "certificates.request_awards": (
        "POST",
        "/manage/contests/{contest}/certificates/request-awards",
        CONTEST_OWNERS,
    ),
    "certificates.print_batch": ("POST", "/manage/contests/{contest}/certificates/print", CONTEST_OWNERS),
    "certificates.download": ("GET", "/manage/certificates/999999.pdf", frozenset()),
    "certificates.revoke": ("POST", "/manage/certificates/999999/revoke", frozenset()),
    "certificates.reissue": ("POST", "/manage/certificates/999999/reissue", frozenset()),
    # a body's own settings: organizers of a body (an admin has none)
    "certificates.settings": ("GET", "/manage/certificate-settings", frozenset({ORG, OTHER_ORG})),
    "certificates.upload_mark": (
        "POST",
        "/manage/certificate-settings/marks/seal",
        frozenset({ORG, OTHER_ORG}),
    ),
    "certificates.mark_image": ("GET", "/manage/certificate-settings/marks/seal.img", frozenset()),
    "certificates.save_overprint": (
        "POST",
        "/manage/certificate-settings/layouts/award",
        frozenset({ORG, OTHER_ORG}),
    ),
    "certificates.calibration": (
        "GET",
        "/manage/certificate-settings/layouts/award/calibration.pdf",
        frozenset({ORG, OTHER_ORG}),
    ),
    "certificates.sample": (
        "GET",
        "/manage/certificate-settings/layouts/award/sample.pdf",
        frozenset({ORG, OTHER_ORG}),
    ),
    # Dashboards: a body's pages for admins and organizers of the body (or a body above it); a contest's
    # filing exports for its owners; the notice PDF without its form fields sends owners to the form.
    "dashboards.index": ("GET", "/manage/dashboard/", ORGANIZERS),
    "dashboards.contests": ("GET", "/manage/dashboard/contests", ORGANIZERS),
    "dashboards.body_year": ("GET", "/manage/dashboard/bodies/{body}/2026", CONTEST_OWNERS),
    "dashboards.chart": ("GET", "/manage/dashboard/bodies/{body}/2026/progress.svg", CONTEST_OWNERS),
    "dashboards.targets": ("GET", "/manage/dashboard/bodies/{body}/2026/targets", CONTEST_OWNERS),
    "dashboards.contest_filing": ("GET", "/manage/dashboard/contests/{contest}/filing", CONTEST_OWNERS),
    "dashboards.filing_xlsx": ("GET", "/manage/dashboard/contests/{contest}/standings.xlsx", CONTEST_OWNERS),
    "dashboards.notice_pdf": ("GET", "/manage/dashboard/contests/{contest}/notice.pdf", CONTEST_OWNERS),
    # API (competition/api). The token page is for roles with the API permission; the API itself ignores
    # session cookies, so signed-in roles get what anonymous callers get: public reads answer, the rest 401
    # (token-based positive and object-level cases in tests/api/).
    "api_tokens.index": ("GET", "/account/api-tokens", ORGANIZERS),
    "api_tokens.revoke": ("POST", "/account/api-tokens/999999/revoke", frozenset()),
    "api_docs.reference": ("GET", "/api/v1/docs", EVERYONE),
    "api_docs.unknown": ("GET", "/api/v1/no-such-thing", frozenset()),
    "api-docs.openapi_json": ("GET", "/api/v1/openapi.json", EVERYONE),
    "api.Contests": ("GET", "/api/v1/contests", EVERYONE),
    "api.contest_detail": ("GET", "/api/v1/contests/{public_contest}", EVERYONE),
    "api.contest_events": ("GET", "/api/v1/contests/{public_contest}/events", EVERYONE),
    "api.contest_decisions": ("GET", "/api/v1/contests/{public_contest}/decisions", EVERYONE),
    "api.EventRegistrations": ("GET", "/api/v1/events/{event}/registrations", frozenset()),
    "api.theory_scores": ("POST", "/api/v1/events/{event}/theory-scores", frozenset()),
    "api.event_marks": ("GET", "/api/v1/events/{event}/marks", frozenset()),
    "api.event_standings": ("GET", "/api/v1/events/{event}/standings", frozenset()),
    "api.verify_code": ("GET", "/api/v1/certificates/forged-code", frozenset()),
    "api.verify_number": ("GET", "/api/v1/certificates?number=X1&name=X", frozenset()),
}
POST_DATA = {"entries.review": {"target": "approved"}}
POST_DATA["auth.set_language"] = {"language": "en"}
USERNAMES = {
    COMPETITOR: "competitor",
    UNIT: "unit-contact",
    JUDGE: "judge",
    CHIEF: "chief",
    OTHER_ORG: "other-organizer",
    ORG: "organizer",
    ADMIN: "admin",
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(ROUTES)


def _url(template: str, world: World) -> str:
    return template.format(
        registration=world.registration.id,
        public_contest=world.public_contest.id,
        contest=world.contest.id,
        other_contest=world.other_contest.id,
        event=world.event.id,
        seat=world.seat.id,
        user=world.judge.id,
        body=world.body.id,
        unit=world.unit.id,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_allows_exactly_the_roles_in_the_table(client, auth, world, endpoint, role):
    method, template, allowed = ROUTES[endpoint]
    if role != ANON:
        assert auth.login(USERNAMES[role]).status_code == 302
    data = (
        POST_DATA.get(endpoint, {"target": "registration_open", "active": "1"}) if method == "POST" else None
    )
    response = client.open(_url(template, world), method=method, data=data)
    location = response.headers.get("Location", "")
    # Signed-in users asking for the sign-up page are sent home: that is a refusal too.
    refused = (
        response.status_code in (401, 403, 404, 410)
        or location.startswith("/auth/login")
        or (endpoint == "signup.register_account" and response.status_code == 302)
    )
    if role in allowed:
        assert not refused, (response.status_code, location)
        assert response.status_code in (200, 302)
    else:
        assert refused, (response.status_code, location)
