"""The dashboard's pages and form actions (server-rendered with Jinja2, autoescaped).

Every page needs a session (else a redirect to /login) and a changed password (else a
redirect to /change-password). Admin pages and actions answer 403 to viewers, who never see
their controls. Form posts carry the session's CSRF token; the login form a double-submit one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from decnet.config.errors import ConfigError
from decnet.db.errors import AlreadyExists
from decnet.prober.store import latest_summaries
from decnet.web.api.routes.auth import client_ip
from decnet.web.api.routes.deckies import decky_out, plan, start_deploy, start_teardown
from decnet.web.api.routes.workers import WorkersProvider, workers_from_repository
from decnet.web.auth import ROLES, AuthService
from decnet.web.dashboard.auth import (
    AdminPage,
    Redirect,
    Viewer,
    ViewerPage,
    check_csrf,
    read_form,
    session_viewer,
)
from decnet.web.dashboard.queries import (
    ATTACKER_SORTS,
    attacker_detail,
    credentials_with_reuse,
    list_attackers,
    overview,
)
from decnet.web.deps import get_repo
from decnet.web.operations import get_operation, list_operations
from decnet.web.queries import EventFilter, query_events
from decnet.web.routing import has_route
from decnet.web.schemas import DeployRequest, WorkerOut
from decnet.web.security import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, hash_password
from decnet.web.session import (
    clear_session_cookie,
    login_csrf_ok,
    new_login_csrf,
    set_login_csrf_cookie,
    set_session_cookie,
)
from decnet.web.users import count_admins, set_role, valid_username

log = logging.getLogger("decnet.web")

TEMPLATES_DIR = Path(__file__).parent / "templates"
#: Path of the mutate route (served by the mutator's route module when installed).
MUTATE_ROUTE = "/api/v1/deckies/{name}/mutate"


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else str(value)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every value is escaped; templates never use |safe on data
    undefined=jinja2.StrictUndefined,
)
_env.filters["when"] = _when
templates = Jinja2Templates(env=_env)

router = APIRouter(include_in_schema=False)


def render(
    request: Request, name: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render template ``name`` with the viewer and ``context``."""
    return templates.TemplateResponse(
        request,
        name,
        {"viewer": viewer, "page": name.removesuffix(".html"), **context},
        status_code=status_code,
    )


def see_other(location: str) -> RedirectResponse:
    """A 303 redirect (after a form post)."""
    return RedirectResponse(location, status_code=status.HTTP_303_SEE_OTHER)


def redirect_handler(request: Request, exc: Exception) -> Response:
    """Answer a :class:`Redirect` raised by a page dependency."""
    assert isinstance(exc, Redirect)
    return see_other(exc.location)


def _auth(request: Request) -> AuthService:
    auth: AuthService = request.app.state.auth
    return auth


# --- login, logout, password ---------------------------------------------------------------


def login_form(request: Request, error: str | None = None, code: int = 200) -> Response:
    """The login page with a fresh double-submit token (also set as its cookie)."""
    token = new_login_csrf()
    page = render(request, "login.html", None, status_code=code, login_csrf=token, error=error)
    set_login_csrf_cookie(page, request, token)
    return page


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    """The login form."""
    return login_form(request)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    """Check the credentials (rate limited like the API) and start a session."""
    form = await read_form(request)
    if not login_csrf_ok(request, form.get("csrf")):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="missing or wrong CSRF token")
    auth = _auth(request)
    repo = get_repo(request)
    username = form.get("username", "")[:64]
    password = form.get("password", "")[:PASSWORD_MAX_LENGTH]
    ip = client_ip(request)
    wait = auth.limiter.retry_after(ip, username)
    if wait is not None:
        return login_form(request, f"Too many failed attempts; try again in {wait} s.", 429)
    user = await repo.get_user_by_username(username) if username else None
    if not await auth.check_password(user, password) or user is None:
        auth.limiter.record_failure(ip, username)
        log.warning("failed dashboard login from %s", ip)
        return login_form(request, "Wrong username or password.", 401)
    auth.limiter.reset_user(username)
    jwt, _claims = auth.issue(user)
    response = see_other("/change-password" if user.must_change_password else "/")
    set_session_cookie(response, request, jwt, auth.token_ttl_s)
    log.info("account %r logged in to the dashboard from %s", user.username, ip)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session: revoke its token and clear the cookie."""
    current = await session_viewer(request, allow_pending=True)
    await check_csrf(request, current)
    claims = current.principal.claims
    await _auth(request).revocations.revoke(claims.jti, float(claims.exp))
    response = see_other("/login")
    clear_session_cookie(response, request)
    log.info("account %r logged out of the dashboard", current.username)
    return response


@router.get("/change-password", response_class=HTMLResponse)
async def change_password_page(request: Request) -> Response:
    """The password form (the only page an account that must change its password can see)."""
    viewer = await session_viewer(request, allow_pending=True)
    return render(request, "change_password.html", viewer, error=None, min_length=PASSWORD_MIN_LENGTH)


@router.post("/change-password", response_class=HTMLResponse)
async def change_password_submit(request: Request) -> Response:
    """Replace the password; the old session ends and a new cookie is set."""
    viewer = await session_viewer(request, allow_pending=True)
    form = await check_csrf(request, viewer)
    auth = _auth(request)
    repo = get_repo(request)
    ip = client_ip(request)

    def again(error: str, code: int) -> HTMLResponse:
        return render(
            request,
            "change_password.html",
            viewer,
            status_code=code,
            error=error,
            min_length=PASSWORD_MIN_LENGTH,
        )

    if auth.limiter.retry_after(ip, viewer.username) is not None:
        return again("Too many failed attempts; try again later.", 429)
    old, new, confirm = form.get("old_password", ""), form.get("new_password", ""), form.get("confirm", "")
    if not await auth.check_password(viewer.principal.user, old[:PASSWORD_MAX_LENGTH]):
        auth.limiter.record_failure(ip, viewer.username)
        return again("The current password is wrong.", 400)
    if new != confirm:
        return again("The new passwords differ.", 422)
    if not PASSWORD_MIN_LENGTH <= len(new) <= PASSWORD_MAX_LENGTH:
        return again(f"The new password needs at least {PASSWORD_MIN_LENGTH} characters.", 422)
    if new == old:
        return again("The new password must differ from the current one.", 422)
    new_hash = await asyncio.to_thread(hash_password, new)
    await repo.update_user_password(viewer.username, new_hash, must_change_password=False)
    claims = viewer.principal.claims
    await auth.revocations.revoke(claims.jti, float(claims.exp))
    user = await repo.get_user_by_username(viewer.username)
    if user is None:
        return see_other("/login")
    jwt, _ = auth.issue(user)
    response = see_other("/")
    set_session_cookie(response, request, jwt, auth.token_ttl_s)
    log.info("account %r changed its password in the dashboard", viewer.username)
    return response


# --- pages ---------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def overview_page(request: Request, viewer: ViewerPage) -> Response:
    """Counters, event rate, top services and attackers, newest credentials."""
    data = await overview(get_repo(request))
    return render(request, "overview.html", viewer, o=data)


def _has_route(request: Request, path: str) -> bool:
    return has_route(request.app, path, "POST")


@router.get("/fleet", response_class=HTMLResponse)
async def fleet_page(
    request: Request, viewer: ViewerPage, op: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None
) -> Response:
    """Deckies with state, OS, services and realism; deploy, teardown and mutate for admins."""
    repo = get_repo(request)
    deckies = [decky_out(row) for row in await repo.list_deckies()]
    realism = {summary.decky: summary for summary in await latest_summaries(repo)}
    current = await get_operation(repo, op) if op else None
    return render(
        request,
        "fleet.html",
        viewer,
        deckies=deckies,
        realism=realism,
        operation=current,
        operations=await list_operations(repo, 10),
        can_mutate=_has_route(request, MUTATE_ROUTE),
        has_operator=request.app.state.fleet_operator is not None,
        error=request.query_params.get("error"),
    )


def _split(text: str) -> list[str] | None:
    items = [part.strip() for part in text.replace(",", " ").split() if part.strip()]
    return items or None


@router.post("/fleet/deploy")
async def fleet_deploy(request: Request, viewer: AdminPage) -> Response:
    """Deploy from the form (INI text, or count + subnet + services) as an operation."""
    form = await check_csrf(request, viewer)
    operator = request.app.state.fleet_operator
    if operator is None:
        return see_other("/fleet?error=no+fleet+agent")
    try:
        if form.get("ini", "").strip():
            body = DeployRequest(ini=form["ini"], backend=form.get("backend") or None)
        else:
            body = DeployRequest(
                deckies=int(form.get("deckies") or 0) or None,
                subnet=form.get("subnet") or None,
                services=_split(form.get("services", "")),
                backend=form.get("backend") or None,
                name_prefix=form.get("name_prefix") or "decky",
            )
        fleet = await asyncio.to_thread(plan, body)
    except (ValidationError, ConfigError, ValueError) as error:
        problems = error.problems if isinstance(error, ConfigError) else [str(error).splitlines()[0]]
        return render(
            request,
            "fleet.html",
            viewer,
            status_code=422,
            deckies=[decky_out(r) for r in await get_repo(request).list_deckies()],
            realism={},
            operation=None,
            operations=[],
            can_mutate=_has_route(request, MUTATE_ROUTE),
            has_operator=True,
            error="; ".join(problems)[:2000],
        )
    try:
        op_id = await start_deploy(get_repo(request), operator, fleet, viewer.username)
    except RuntimeError:
        return see_other("/fleet?error=fleet+agent+error")
    return see_other(f"/fleet?op={op_id}")


@router.post("/fleet/{name}/teardown")
async def fleet_teardown(name: str, request: Request, viewer: AdminPage) -> Response:
    """Tear one decky down as an operation."""
    await check_csrf(request, viewer)
    repo = get_repo(request)
    operator = request.app.state.fleet_operator
    if operator is None:
        return see_other("/fleet?error=no+fleet+agent")
    if await repo.get_decky(name) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such decky")
    try:
        op_id = await start_teardown(repo, operator, [name], viewer.username)
    except RuntimeError:
        return see_other("/fleet?error=fleet+agent+error")
    return see_other(f"/fleet?op={op_id}")


@router.get("/events", response_class=HTMLResponse)
async def events_page(request: Request, viewer: ViewerPage) -> Response:
    """Live events (server-sent) with filters and pause; the newest stored ones first."""
    items, _ = await query_events(get_repo(request), EventFilter(), after=0, limit=100, before=2**62)
    return render(request, "events.html", viewer, events=items)


@router.get("/attackers", response_class=HTMLResponse)
async def attackers_page(
    request: Request,
    viewer: ViewerPage,
    sort: Annotated[str, Query(max_length=32)] = "score",
    order: Annotated[str, Query(pattern=r"^(asc|desc)$")] = "desc",
) -> Response:
    """Attackers, sortable by score, class (behaviour), last seen and events."""
    if sort not in ATTACKER_SORTS:
        sort = "score"
    rows = await list_attackers(get_repo(request), sort=sort, descending=order == "desc")
    return render(request, "attackers.html", viewer, attackers=rows, sort=sort, order=order)


@router.get("/attackers/{ip}", response_class=HTMLResponse)
async def attacker_page(ip: str, request: Request, viewer: ViewerPage) -> Response:
    """One attacker: timeline, sessions and transcripts, credentials, fingerprints, techniques, path."""
    if len(ip) > 45:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such attacker")
    detail = await attacker_detail(get_repo(request), ip)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such attacker")
    return render(request, "attacker.html", viewer, d=detail)


@router.get("/credentials", response_class=HTMLResponse)
async def credentials_page(request: Request, viewer: ViewerPage) -> Response:
    """Captured credentials, with how many deckies and services saw each (reuse)."""
    return render(
        request, "credentials.html", viewer, credentials=await credentials_with_reuse(get_repo(request))
    )


@router.get("/workers", response_class=HTMLResponse)
async def workers_page(request: Request, viewer: ViewerPage) -> Response:
    """Workers: state, node, restarts, heartbeat and lag."""
    provider: WorkersProvider | None = request.app.state.workers_provider
    rows: list[WorkerOut] | None = None
    if provider is not None:
        try:
            rows = [WorkerOut.model_validate(item) for item in await provider()]
        except Exception as error:
            log.warning("workers provider failed (%s)", type(error).__name__)
    if rows is None:
        rows = await workers_from_repository(get_repo(request))
    return render(request, "workers.html", viewer, workers=rows)


# --- users (admin) -------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
async def users_page(request: Request, viewer: AdminPage) -> Response:
    """Accounts, with forms to create, change role, reset password and delete."""
    users = await get_repo(request).list_users()
    return render(
        request,
        "users.html",
        viewer,
        users=users,
        roles=ROLES,
        min_length=PASSWORD_MIN_LENGTH,
        error=request.query_params.get("error"),
        notice=request.query_params.get("notice"),
    )


def _users_error(message: str) -> RedirectResponse:
    return see_other(f"/users?error={quote(message)}")


@router.post("/users")
async def users_create(request: Request, viewer: AdminPage) -> Response:
    """Create an account that must change its password at first login."""
    form = await check_csrf(request, viewer)
    username, password, role = form.get("username", ""), form.get("password", ""), form.get("role", "viewer")
    if not valid_username(username):
        return _users_error("Usernames: 1-64 letters, digits, _ . -")
    if role not in ROLES:
        return _users_error("Unknown role.")
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return _users_error(f"Passwords need at least {PASSWORD_MIN_LENGTH} characters.")
    password_hash = await asyncio.to_thread(hash_password, password)
    try:
        await get_repo(request).create_user(username, password_hash, role=role, must_change_password=True)
    except AlreadyExists:
        return _users_error("That username is taken.")
    log.info("account %r created account %r (%s)", viewer.username, username, role)
    return see_other("/users?notice=created")


@router.post("/users/{username}/role")
async def users_role(username: str, request: Request, viewer: AdminPage) -> Response:
    """Change an account's role (not one's own)."""
    form = await check_csrf(request, viewer)
    role = form.get("role", "")
    if role not in ROLES:
        return _users_error("Unknown role.")
    if username == viewer.username:
        return _users_error("You cannot change your own role.")
    if not await set_role(get_repo(request), username, role):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such account")
    log.info("account %r gave account %r the role %s", viewer.username, username, role)
    return see_other("/users?notice=role+changed")


@router.post("/users/{username}/reset")
async def users_reset(username: str, request: Request, viewer: AdminPage) -> Response:
    """Set a temporary password the account must change at its next login."""
    form = await check_csrf(request, viewer)
    password = form.get("password", "")
    if username == viewer.username:
        return _users_error("Use Change password for your own account.")
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return _users_error(f"Passwords need at least {PASSWORD_MIN_LENGTH} characters.")
    password_hash = await asyncio.to_thread(hash_password, password)
    if not await get_repo(request).update_user_password(username, password_hash, must_change_password=True):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such account")
    log.info("account %r reset the password of account %r", viewer.username, username)
    return see_other("/users?notice=password+reset")


@router.post("/users/{username}/delete")
async def users_delete(username: str, request: Request, viewer: AdminPage) -> Response:
    """Delete an account (not one's own, not the last admin)."""
    await check_csrf(request, viewer)
    repo = get_repo(request)
    if username == viewer.username:
        return _users_error("You cannot delete your own account.")
    user = await repo.get_user_by_username(username)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such account")
    if user.role == "admin" and await count_admins(repo) <= 1:
        return _users_error("The last admin cannot be deleted.")
    await repo.delete_user(username)
    log.info("account %r deleted account %r", viewer.username, username)
    return see_other("/users?notice=deleted")
