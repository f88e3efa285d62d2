"""Who is looking at a dashboard page: the session cookie's account, or a redirect to log in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request, status

from decnet.web.api.deps import Principal, authenticate, get_auth
from decnet.web.auth import AuthService, role_allows
from decnet.web.deps import get_repo
from decnet.web.session import CSRF_FIELD, SESSION_COOKIE, csrf_ok, csrf_token


class Redirect(Exception):
    """Answer with a 303 redirect to ``location`` (handled by the app)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True, slots=True)
class Viewer:
    """The account behind a page request and its CSRF token."""

    principal: Principal
    csrf: str

    @property
    def username(self) -> str:
        """Account name."""
        return self.principal.username

    @property
    def is_admin(self) -> bool:
        """True for admins (who see the controls)."""
        return role_allows(self.principal.role, "admin")


async def session_viewer(request: Request, *, allow_pending: bool = False) -> Viewer:
    """The cookie's account; redirects to /login without a valid session and to
    /change-password while the account must change its password (unless ``allow_pending``)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Redirect("/login")
    auth: AuthService = get_auth(request)
    try:
        principal = await authenticate(get_repo(request), auth, token)
    except HTTPException as error:
        if error.status_code == status.HTTP_401_UNAUTHORIZED:
            raise Redirect("/login") from None
        raise
    if principal.user.must_change_password and not allow_pending:
        raise Redirect("/change-password")
    return Viewer(principal, csrf_token(auth, principal.claims.jti))


async def page_viewer(request: Request) -> Viewer:
    """Dependency of the pages."""
    return await session_viewer(request)


async def page_admin(viewer: Annotated[Viewer, Depends(page_viewer)]) -> Viewer:
    """Dependency of admin pages and actions: 403 for viewers."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not enough privileges")
    return viewer


ViewerPage = Annotated[Viewer, Depends(page_viewer)]
AdminPage = Annotated[Viewer, Depends(page_admin)]


#: Most fields in one form.
MAX_FORM_FIELDS = 100


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as a dict (last value wins); 415 for other types."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail="expected a form")
    body = (await request.body()).decode("utf-8", "replace")
    try:
        pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="too many form fields") from None
    return dict(pairs)


async def check_csrf(request: Request, viewer: Viewer) -> dict[str, str]:
    """The submitted form (strings only); 403 unless it carries the session's CSRF token."""
    fields = await read_form(request)
    auth: AuthService = get_auth(request)
    if not csrf_ok(auth, viewer.principal.claims.jti, fields.get(CSRF_FIELD)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="missing or wrong CSRF token")
    return fields
