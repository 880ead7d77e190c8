"""Sign-in routes: set and clear the HttpOnly session cookie, choose a password, confirm a learner's e-mail.

Every POST here is behind the Origin check (``cpd.web.security``). Work that
touches the database or argon2 runs in a thread, off the event loop that also
serves Streamlit's websockets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from cpd import tokens
from cpd.accounts import learner_links, links, signin
from cpd.accounts.passwords import WeakPassword
from cpd.settings import Settings
from cpd.web import pages as p

COOKIE = "cpd_session"
SIGN_IN, SIGN_OUT, FORGOT = "/auth/sign-in", "/auth/sign-out", "/auth/forgot"
DEFAULT_NEXT = "/admin"


@dataclass(frozen=True)
class WebContext:
    """Where routes get settings and the store: the same objects the pages use."""

    settings: Callable[[], Settings]
    store: Callable[[], sessionmaker[Session]]


def client_address(request: Request, trusted_proxy_hops: int) -> str:
    """The address the throttle counts: the peer, or the one the trusted proxies saw (never a client-chosen hop)."""
    return client_from(request.client.host if request.client else None, request.headers.get("x-forwarded-for", ""),
                       trusted_proxy_hops)


def client_from(peer: str | None, forwarded_for: str, trusted_proxy_hops: int) -> str:
    """``client_address`` for callers without a Starlette request (a Streamlit page passes ``st.context``)."""
    peer = peer or "unknown"
    if trusted_proxy_hops <= 0:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    return hops[-trusted_proxy_hops] if len(hops) >= trusted_proxy_hops else peer


def safe_next(value: str | None) -> str:
    """Only a path on this site: never ``//evil.example`` or ``https://...`` (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return DEFAULT_NEXT
    return value


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.public_url.lower().startswith("https://")


async def _form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def routes(ctx: WebContext) -> list[Route]:
    async def sign_in(request: Request) -> Response:
        settings, store = ctx.settings(), ctx.store()
        if request.method == "GET":
            who = await run_in_threadpool(signin.session_principal, store, request.cookies.get(COOKIE))
            if who is not None:
                return p.html_page("Signed in", p.paragraph(f"You are signed in as {who.email}.")
                                   + "<p>" + p.link(safe_next(request.query_params.get("next")), "Continue") + " · "
                                   + p.link(SIGN_OUT, "Sign out") + "</p>")
            return _sign_in_page(request.query_params.get("next"), org=request.query_params.get("org", ""))
        form = await _form(request)
        client = client_address(request, settings.trusted_proxy_hops)
        result = await run_in_threadpool(signin.authenticate, store, form.get("email", ""), form.get("password", ""),
                                         client=client, org_slug=form.get("org") or None)
        if not result.ok or result.session_token is None:
            status = 429 if (result.message or "").startswith("Too many") else 401
            return _sign_in_page(form.get("next"), email=form.get("email", ""), org=form.get("org", ""),
                                 problem=result.message, status=status)
        target = safe_next(form.get("next"))
        if target == DEFAULT_NEXT and (result.principal is None or not result.principal.is_staff):
            target = "/"  # a learner account has no Administration page
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, result.session_token, max_age=int(tokens.POLICIES[tokens.Purpose.SESSION].ttl.total_seconds()),
                            path="/", httponly=True, secure=_secure(request, settings), samesite="lax")
        return response

    async def sign_out(request: Request) -> Response:
        if request.method == "GET":
            return p.html_page("Sign out", p.form(SIGN_OUT, "", "Sign out"))
        await run_in_threadpool(signin.sign_out, ctx.store(), request.cookies.get(COOKIE))
        response = p.html_page("Signed out", p.message("You are signed out.", ok=True)
                               + "<p>" + p.link("/", "Back to the module") + " · " + p.link(SIGN_IN, "Sign in again") + "</p>")
        response.delete_cookie(COOKIE, path="/", httponly=True, secure=_secure(request, ctx.settings()), samesite="lax")
        return response

    async def forgot(request: Request) -> Response:
        if request.method == "GET":
            return _forgot_page()
        form = await _form(request)
        await run_in_threadpool(links.request_password_reset, ctx.store(), form.get("email", ""),
                                org_slug=form.get("org") or None, public_url=ctx.settings().public_url)
        return p.html_page("Check your e-mail", p.message(
            "If that address has an account, a link to choose a new password is on its way. It works once, for an hour.",
            ok=True))

    async def set_password(request: Request) -> Response:
        store = ctx.store()
        if request.method == "GET":
            token = request.query_params.get("token", "")
            found = await run_in_threadpool(links.peek, store, token)
            if found is None:
                return _dead_link()
            purpose, account = found
            return _password_page(token, account.email, invite=purpose == tokens.Purpose.INVITE)
        form = await _form(request)
        token, password = form.get("token", ""), form.get("password", "")
        found = await run_in_threadpool(links.peek, store, token)
        if found is None:
            return _dead_link()
        purpose, account = found
        if password != form.get("repeat", ""):
            return _password_page(token, account.email, invite=purpose == tokens.Purpose.INVITE,
                                  problem="The two passwords differ.", status=400)
        try:
            await run_in_threadpool(links.set_password_with_link, store, token, password)
        except WeakPassword as exc:
            return _password_page(token, account.email, invite=purpose == tokens.Purpose.INVITE,
                                  problem=f"Choose a longer password: {exc}.", status=400)
        except links.LinkError:
            return _dead_link()
        return p.html_page("Password set", p.message("Your password is set.", ok=True)
                           + "<p>" + p.link(SIGN_IN, "Sign in") + "</p>")

    async def confirm_email(request: Request) -> Response:
        store = ctx.store()
        if request.method == "GET":  # a mail scanner opening the link must not use it up: confirming is a POST
            token = request.query_params.get("token", "")
            if not await run_in_threadpool(learner_links.is_email_proof, store, token):
                return p.html_page("Link not valid", p.message("This link does not work any more: it was used or "
                                                               "has expired. Ask for a new one."), status=410)
            return p.html_page("Confirm your e-mail address", p.paragraph(
                "Confirm that this address is yours, so your earlier attempts and certificates are shown together.")
                + p.form("/auth/confirm-email", p.hidden("token", token), "Confirm"))
        form = await _form(request)
        try:
            await run_in_threadpool(learner_links.confirm_email_proof, store, form.get("token", ""))
        except learner_links.ProofError as exc:
            return p.html_page("Link not valid", p.message(str(exc)), status=410)
        return p.html_page("E-mail confirmed", p.message("Thank you: your address is confirmed.", ok=True)
                           + "<p>" + p.link("/", "Back to the module") + "</p>")

    both = ["GET", "POST"]
    return [
        Route(SIGN_IN, sign_in, methods=both),
        Route(SIGN_OUT, sign_out, methods=both),
        Route(FORGOT, forgot, methods=both),
        Route(links.SET_PASSWORD_PATH, set_password, methods=both),
        Route(learner_links.CONFIRM_PATH, confirm_email, methods=both),
    ]


def _sign_in_page(next_path: str | None, *, email: str = "", org: str = "", problem: str | None = None,
                  status: int = 200) -> Response:
    fields = (p.field("email", "E-mail", kind="email", value=email, autocomplete="username")
              + p.field("password", "Password", kind="password", autocomplete="current-password")
              + p.field("org", "Organisation short name (optional)", value=org, required=False,
                        hint="Only if your address has accounts in several organisations.")
              + p.hidden("next", safe_next(next_path)))
    body = (p.message(problem) if problem else "") + p.form(SIGN_IN, fields, "Sign in") \
        + "<p>" + p.link(f"{FORGOT}?{urlencode({'org': org})}" if org else FORGOT, "Forgot your password?") + "</p>" \
        + p.paragraph("Staff only: learners need no account; the module opens from its link.", hint=True)
    return p.html_page("Staff sign-in", body, status=status)


def _forgot_page() -> Response:
    fields = (p.field("email", "E-mail", kind="email", autocomplete="username")
              + p.field("org", "Organisation short name (optional)", required=False))
    return p.html_page("Reset your password", p.form(FORGOT, fields, "Send me a link"))


def _password_page(token: str, email: str, *, invite: bool, problem: str | None = None, status: int = 200) -> Response:
    fields = (p.field("password", "New password (at least 12 characters)", kind="password", autocomplete="new-password")
              + p.field("repeat", "The same password again", kind="password", autocomplete="new-password")
              + p.hidden("token", token))
    title = "Choose your password" if invite else "Choose a new password"
    return p.html_page(title, (p.message(problem) if problem else "") + p.paragraph(f"For {email}.")
                       + p.form(links.SET_PASSWORD_PATH, fields, "Set password"), status=status)


def _dead_link() -> Response:
    return p.html_page("Link not valid", p.message(
        "This link does not work any more: it was used, has expired or was replaced.")
        + "<p>" + p.link(FORGOT, "Ask for a new link") + "</p>", status=410)
