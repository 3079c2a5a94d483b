"""``forecast serve``: the HTTP JSON API other systems call (FastAPI on uvicorn), versioned under ``/v1``.

Every endpoint parses, makes one call to ``forecast.api`` (the same operations as the CLI and the
app) and renders; the role table (``access.roles``) is checked on the server for every request and
every write, refused write and export is recorded in the store's hash-chained audit trail with the
token's user and the client's address.

* Sign-in: ``Authorization: Bearer fct_...`` (``forecast users token NAME``). No token: 401; a role that
  may not: 403. Failed authentication is rate-limited per client address (5 in 15 minutes: 429).
  The embedded reference data (public, read-only) may be read without a token when the server
  listens on the loopback interface only, as in the app.
* Tables come as JSON (``rows`` as ``--format json`` gives them: amounts as decimal strings in the
  store's unit, with ``unit`` and ``currency`` beside them), or as files with ``Accept: text/csv`` or
  ``application/vnd.apache.parquet`` (the same rows; Parquet keeps exact decimals).
* Errors are RFC 9457 problem documents (``application/problem+json``), never a traceback; request
  bodies are capped (413); CORS is off unless origins are configured.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
import io
import ipaddress
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import polars as pl
from fastapi import Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from forecast import api, config
from forecast.access import roles
from forecast.access.audit import OK, REFUSED
from forecast.access.oidc import Provider, looks_like_jwt
from forecast.access.roles import Actor
from forecast.access.tokens import Tokens
from forecast.access.users import AccessError
from forecast.data import schema as s
from forecast.data.revisions import money_text
from forecast.data.snapshot import resolve
from forecast.data.store import Store
from forecast.data.validate import ValidationError
from forecast.decisions import kpi as K
from forecast.decisions import reallocation as RA
from forecast.decisions import review as R
from forecast.decisions import risk
from forecast.durable import replace_durably
from forecast.errors import ForecastError, InputError, StoreError
from forecast.interfaces import export
from forecast.labels import note_text
from forecast.model import engine

VERSION = "v1"
CSV, PARQUET, JSON_TYPE, PROBLEM = (
    "text/csv",
    "application/vnd.apache.parquet",
    "application/json",
    ("application/problem+json"),
)
MAX_BODY = 50 * 1024 * 1024
MAX_FAILURES, WINDOW = 5, 15 * 60
PROBLEM_BASE = "https://forecast.example/problems/"  # a stable identifier per problem type (not fetched)


# --- problems ------------------------------------------------------------------------------------------
class Problem(Exception):
    """An RFC 9457 problem: ``kind`` names its type, ``status`` the HTTP status."""

    def __init__(self, status: int, kind: str, detail: str, **extra: Any):
        super().__init__(detail)
        self.status, self.kind, self.detail, self.extra = status, kind, detail, extra


def _problem(status: int, kind: str, title: str, detail: str, instance: str = "", **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail, **extra}
    if instance:
        body["instance"] = instance
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid input",
    429: "Too many failed sign-ins",
    500: "Server error",
    503: "Not ready",
}


def _issues(issues) -> list[dict]:
    """Validation issues, located, with the message in English and Thai."""
    return [{**i.as_dict(), "message_en": i.message, "message_th": i.message_th()} for i in issues]


# --- callers -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's user and role (None for an anonymous read), and from where."""

    user: str | None
    role: str | None
    address: str
    token: str = ""

    def actor(self) -> Actor:
        """The caller as ``forecast.api`` takes them (with this service's author record)."""
        return Actor(self.user, self.role, "api", signed_in=self.user is not None, record=self.by())

    def by(self) -> dict:
        return {
            "user": self.user or "anonymous",
            "role": self.role or "",
            "host": self.address,
            "via": "api",
            **({"token": self.token} if self.token else {}),
        }


@dataclass
class Job:
    """A background training job."""

    id: str
    by: str
    started_at: str
    state: str = "running"  # running | done | failed
    progress: float = 0.0
    text: str = ""
    version: str | None = None
    awaits_activation: bool = False  # saved, waiting for an administrator's activation
    error: str | None = None
    finished_at: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class State:
    """What the server holds between requests: the store, failures per address, jobs, idempotency keys."""

    store: Store
    public_reads: bool
    failures: dict[str, collections.deque] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ingest_lock: threading.Lock = field(default_factory=threading.Lock)
    provider: Provider | None = None  # the identity provider whose bearer tokens are accepted (single sign-on)
    gates: dict[tuple, threading.Lock] = field(default_factory=dict)
    seen: dict[tuple, str] = field(default_factory=dict)  # the store state each review was last computed for
    answers: Answers = field(default_factory=lambda: Answers())  # noqa: PLW0108 - Answers is defined below

    def idempotency_path(self) -> Path | None:
        return None if self.store.read_only else self.store.access_dir / "idempotency.json"


def _throttled(state: State, address: str) -> int:
    """Seconds to wait before this address may try again (0: it may)."""
    now = time.monotonic()
    with state.lock:
        q = state.failures.setdefault(address, collections.deque())
        while q and now - q[0] > WINDOW:
            q.popleft()
        return int(WINDOW - (now - q[0])) + 1 if len(q) >= MAX_FAILURES else 0


def _failed(state: State, address: str) -> None:
    with state.lock:
        state.failures.setdefault(address, collections.deque()).append(time.monotonic())


def _caller(request: Request) -> Caller:
    """The caller of a request (authenticated, or anonymous); raises a problem for a bad token."""
    state: State = request.app.state.forecast
    address = request.client.host if request.client else ""
    header = request.headers.get("authorization", "")
    if not header:
        return Caller(None, None, address)
    wait = _throttled(state, address)
    if wait:
        raise Problem(
            429, "throttled", f"too many failed sign-ins from {address}; try again in {wait} s.", retry_after=wait
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        _failed(state, address)
        raise Problem(401, "unauthenticated", "give a token as `Authorization: Bearer fct_...`.")
    token = token.strip()
    if state.provider is not None and looks_like_jwt(token):
        try:
            user, role, _ = state.provider.verify(token)
        except AccessError as exc:
            raise _refused(state, request, address, exc, sso=True) from exc
        return Caller(user, role, address, "sso")
    if state.store.read_only:
        _failed(state, address)
        raise Problem(401, "unauthenticated", "the embedded reference data has no users and no tokens.")
    try:
        tid, user, role = Tokens(state.store.access_dir, state.store.users).verify(token)
    except AccessError as exc:
        raise _refused(state, request, address, exc) from exc
    return Caller(user, role, address, tid)


def _refused(state: State, request: Request, address: str, exc: AccessError, sso: bool = False) -> Problem:
    """A failed authentication: counted for throttling, audited, and the 401 to raise."""
    _failed(state, address)
    details = {"reason": str(exc), "path": request.url.path, **({"via": "sso"} if sso else {})}
    state.store.audit.record("api sign-in", {"user": "", "host": address, "via": "api"}, REFUSED, details=details)
    return Problem(401, "unauthenticated", str(exc))


def allowed(action: str, write: bool = False) -> Callable[[Request], Caller]:
    """A dependency: the caller, when their role may do ``action``; 401 without a token (unless anonymous
    reads are allowed), 403 with a role that may not (``api.permit``: the refusal is audited, as in the CLI
    and the app)."""

    def check(request: Request) -> Caller:
        state: State = request.app.state.forecast
        who = _caller(request)
        if who.user is None:
            if not write and state.public_reads and action in (roles.VIEW, roles.EXPORT):
                return who
            raise Problem(
                401,
                "unauthenticated",
                f"{action.replace('_', ' ')} needs a token: "
                "`Authorization: Bearer fct_...` (forecast users token NAME).",
            )
        try:  # the one role check, with its audit record, that the CLI and the app make too
            api.permit(state.store, who.actor(), action)
        except roles.PermissionDenied as exc:
            raise Problem(
                403,
                "forbidden",
                f"{action.replace('_', ' ')} needs the {roles.NEEDS[action]} role or higher; {who.user} is {who.role}.",
            ) from exc
        return who

    return check


Viewer = Annotated[Caller, Depends(allowed(roles.VIEW))]


# --- tables ----------------------------------------------------------------------------------------------
class Table(BaseModel):
    """A table of the product: its rows as ``--format json`` gives them, with where they come from."""

    table: str = Field(description="which table: ranking, projections, kpis, portfolio, ...")
    as_of: str | None = Field(None, description="the report date in effect (ISO), None for an empty store")
    unit: str = Field(description="the unit of every amount, e.g. 'million THB'")
    currency: str
    columns: list[str]
    total: int = Field(0, description="rows in the whole table (``rows`` may be a page of it: limit, offset)")
    rows: list[dict[str, Any]] = Field(description="amounts are decimal strings, never floats")
    notes: list[str] = Field(default_factory=list, description="honest labels: basis, assumptions, fallbacks")


def _rows(df: pl.DataFrame) -> list[dict]:
    text = df.with_columns(*(money_text(pl.col(c)) for c, d in df.schema.items() if isinstance(d, pl.Decimal)))
    return json.loads(text.write_json()) if text.height else []


def _wants(request: Request) -> str:
    accept = request.headers.get("accept", "")
    if PARQUET in accept:
        return PARQUET
    if CSV in accept:
        return CSV
    return JSON_TYPE


Rendered = tuple[pl.DataFrame, Any, list[str]]
COMPARED = (risk.PREVIOUS_RANK, risk.RANK_CHANGE, risk.NEW_HIGH, "compared_to")
CACHE_BYTES = 256 * 1024 * 1024


@dataclass
class Body:
    """A rendered answer, kept for the store state it was computed from."""

    content: bytes
    media_type: str
    rows: int
    headers: dict[str, str]


class Answers:
    """Rendered answers by request and store state (least recently used out past ``limit`` bytes): a read of
    kept results costs a lookup, whatever the store's size."""

    def __init__(self, limit: int = CACHE_BYTES):
        self.limit, self.size = limit, 0
        self.items: collections.OrderedDict[tuple, Body] = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Body | None:
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key: tuple, body: Body) -> None:
        with self.lock:
            if key in self.items:
                return
            self.items[key] = body
            self.size += len(body.content)
            while self.size > self.limit and len(self.items) > 1:
                _, old = self.items.popitem(last=False)
                self.size -= len(old.content)


def _render(store: Store, name: str, kind: str, df: pl.DataFrame, as_of, notes: list[str], total: int) -> Body:
    if kind == CSV:
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        return Body(export.csv_bytes(_csv_ready(df)), f"{CSV}; charset=utf-8", df.height, headers)
    if kind == PARQUET:
        buf = io.BytesIO()
        df.with_columns(pl.col(pl.List(pl.String)).list.join(" | ")).write_parquet(buf)
        return Body(
            buf.getvalue(), PARQUET, df.height, {"Content-Disposition": f'attachment; filename="{name}.parquet"'}
        )
    body = Table(
        table=name,
        as_of=None if as_of is None else str(as_of),
        unit=store.unit.label("en"),
        currency=store.unit.currency,
        columns=df.columns,
        total=total,
        rows=_rows(df),
        notes=notes,
    )
    return Body(json.dumps(body.model_dump(), ensure_ascii=False).encode(), JSON_TYPE, df.height, {})


def _table(
    request: Request,
    who: Caller,
    name: str,
    produce: Callable[[], Rendered],
    limit: int | None = None,
    offset: int = 0,
) -> Response:
    """A table as JSON, or as a CSV or Parquet file (recorded as an export), rendered once per request and store
    state (and active model set) and then read from memory."""
    state: State = request.app.state.forecast
    store = state.store
    kind = _wants(request)
    if kind != JSON_TYPE and who.user is not None and not roles.allowed(who.role, roles.EXPORT):
        raise Problem(403, "forbidden", f"exports need the viewer role or higher; {who.user} is {who.role}.")
    key = (
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
        kind,
        store.fingerprint(),
        api.active_version(store),
    )
    body = state.answers.get(key)
    if body is None:
        with state.lock:
            gate = state.gates.setdefault(("answer", *key), threading.Lock())
        with gate:
            body = state.answers.get(key)
            if body is None:
                df, as_of, notes = produce()
                page = df.slice(offset, limit) if (limit is not None or offset) else df
                body = _render(store, name, kind, page, as_of, notes, df.height)
                state.answers.put(key, body)
        with state.lock:
            state.gates.pop(("answer", *key), None)
    if kind != JSON_TYPE and not store.read_only:
        store.audit.record(
            "export",
            who.by(),
            OK,
            target=name,
            details={"format": "csv" if kind == CSV else "parquet", "rows": body.rows, "path": request.url.path},
        )
    return Response(body.content, media_type=body.media_type, headers=body.headers)


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        *(money_text(pl.col(c)) for c, d in df.schema.items() if isinstance(d, pl.Decimal)),
        pl.col(pl.List(pl.String)).list.join(" | "),
    )


def _quarterly(values: list[float] | None) -> tuple[float, float, float, float] | None:
    if not values:
        return None
    if len(values) != 4:
        raise Problem(400, "bad-request", f"quarterly_targets takes four shares (Q1-Q4); got {len(values)}.")
    return values[0], values[1], values[2], values[3]


def _review(request: Request, as_of: str, target: float | None = None, quarterly=None):
    """The review for these parameters, one computation at a time per parameters: readers arriving while it is
    computed (a new report's first readers) wait for it and then read it kept, instead of each computing it."""
    state: State = request.app.state.forecast
    key = (as_of, target, quarterly)
    fingerprint = state.store.fingerprint()  # cheap: the newest manifest's hash
    if state.seen.get(key) == fingerprint:  # computed before for this state: kept, read it
        return api.review(state.store, as_of, target=target, quarterly_targets=quarterly)
    with state.lock:
        gate = state.gates.setdefault(key, threading.Lock())
    with gate:
        rv = api.review(state.store, as_of, target=target, quarterly_targets=quarterly)
        state.seen[key] = fingerprint
        return rv


def _report_date(store: Store, as_of: str) -> dt.date | None:
    return resolve(store.report_dates(), as_of)


def _basis_notes(store: Store) -> list[str]:
    ms = api.models_of(store)
    notes = []
    if ms is None or not ms.origins:
        notes.append("money: NO HISTORY - structural model; its range is a scenario, not calibrated")
    elif ms.basis == engine.SYNTHETIC:
        notes.append(f"money: SYNTHETIC HISTORY - model set {ms.version} was trained on simulated data")
    elif engine.basis_kind(ms.basis) != "history":  # a foreign set: its basis is what this store could verify
        notes.append(
            f"money: {ms.basis.upper()} - model set {ms.version} was trained for another store and accepted here"
        )
    else:
        notes.append(f"money: history - model set {ms.version}")
    k = (ms.manifest.get("kpi") if ms else None) or {}
    notes.append(
        f"KPIs: fitted KPI model of model set {ms.version if ms else ''} ({k.get('basis')})"
        if k.get("trained")
        else "KPIs: documented rules (no history); KPIs of a project assumed "
        f"to move together (correlation {K.KM.ASSUMED_RHO:.2f})"
    )
    return notes


def _notes(store: Store, rv: R.Review) -> list[str]:
    """The basis notes and the review's unusual-year and drift notes (in English, as every JSON note)."""
    return [*_basis_notes(store), *(note_text(n.code, n.params, "en") for n in rv.unusual)]


def _only(df: pl.DataFrame, project_id: str | None) -> pl.DataFrame:
    return df if project_id is None or s.PROJECT_ID not in df.columns else df.filter(pl.col(s.PROJECT_ID) == project_id)


AsOf = Annotated[str, Query(description="a report date (ISO, Thai or B.E. forms) or 'latest'")]
Lang = Annotated[str, Query(pattern="^(th|en)$")]
Page = Annotated[int | None, Query(ge=1, description="at most this many rows (the top of the table)")]
Skip = Annotated[int, Query(ge=0, description="rows to skip first (with limit: a page)")]
Target = Annotated[float | None, Query(gt=0, le=1)]


# --- the application ----------------------------------------------------------------------------------------
class BodyLimit:
    """An ASGI middleware refusing request bodies over ``limit`` bytes with a 413 problem."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _send_413(send, self.limit)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            return await self.app(scope, counted, send)
        except _TooLarge:
            return await _send_413(send, self.limit)


class _TooLarge(Exception):
    pass


async def _send_413(send, limit: int) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_BASE + "too-large",
            "title": TITLES[413],
            "status": 413,
            "detail": f"the request body is over {limit // (1024 * 1024)} MB.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(
    store: Store,
    public_reads: bool = False,
    max_body: int = MAX_BODY,
    cors_origins: list[str] | None = None,
    provider: Provider | None = None,
) -> FastAPI:
    """The API over one store. ``public_reads`` lets anyone read the read-only reference data (only when
    the server listens on loopback: ``serve`` decides); ``provider`` accepts its OIDC bearer tokens."""
    app = FastAPI(
        title="forecast",
        version=VERSION,
        description=__doc__,
        docs_url=f"/{VERSION}/docs",
        openapi_url=f"/{VERSION}/openapi.json",
        redoc_url=None,
    )
    app.state.forecast = State(store, public_reads and store.read_only, provider=provider)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        )
    app.add_middleware(BodyLimit, limit=max_body)
    _errors(app)
    _reads(app)
    _writes(app)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem):
        return _problem(
            exc.status, exc.kind, TITLES.get(exc.status, "Error"), exc.detail, request.url.path, **exc.extra
        )

    @app.exception_handler(ValidationError)
    async def invalid(request: Request, exc: ValidationError):
        return _problem(
            422,
            "invalid-files",
            TITLES[422],
            f"{len(exc.errors)} error(s); nothing was stored.",
            request.url.path,
            problems=_issues(exc.issues),
        )

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException):
        return _problem(
            exc.status_code, "http", TITLES.get(exc.status_code, "Error"), str(exc.detail), request.url.path
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        where = [".".join(str(p) for p in e.get("loc", ())) + f": {e.get('msg')}" for e in exc.errors()]
        return _problem(400, "bad-request", TITLES[400], "; ".join(where), request.url.path)

    @app.exception_handler(ForecastError)
    async def refused(request: Request, exc: ForecastError):
        status = 400 if isinstance(exc, InputError) else 409 if isinstance(exc, StoreError) else 422
        return _problem(status, type(exc).__name__.lower(), TITLES[status], str(exc), request.url.path)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):  # no traceback to the client; it goes to the log
        ref = secrets.token_hex(4)
        logging.getLogger("forecast.service").exception("request %s failed (error id %s)", request.url.path, ref)
        return _problem(
            500,
            "server-error",
            TITLES[500],
            f"the server failed; error id {ref} (in the server log).",
            request.url.path,
        )


def _reads(app: FastAPI) -> None:
    """The read routes, in the order they are matched and documented."""
    _health(app)
    _risk_reads(app)
    _projection_reads(app)
    _portfolio_reads(app)
    _store_reads(app)
    _job_reads(app)


def _health(app: FastAPI) -> None:
    """``/healthz`` and ``/readyz``: the process answers; the store and the model set load."""

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz(request: Request) -> JSONResponse:
        """The store opens, its report dates read, and the active model set (if any) loads."""
        store: Store = request.app.state.forecast.store
        try:
            dates = store.report_dates()
            ms = api.models_of(store)
        except ForecastError as exc:
            return _problem(503, "not-ready", TITLES[503], str(exc), "/readyz")
        return JSONResponse(
            {
                "status": "ready",
                "store": store.id,
                "latest_report": str(dates[-1]) if dates else None,
                "model_set": ms.version if ms else None,
            }
        )


def _risk_reads(app: FastAPI) -> None:
    """The risk ranking and what changed since a report."""
    v = f"/{VERSION}"

    @app.get(f"{v}/ranking", response_model=Table, tags=["read"])
    def ranking(
        request: Request,
        who: Viewer,
        as_of: AsOf = "latest",
        lang: Lang = "th",
        compare_to: str | None = None,
        target: Target = None,
        quarterly_targets: Annotated[list[float] | None, Query()] = None,
        project_id: str | None = None,
        limit: Page = None,
        offset: Skip = 0,
    ) -> Response:
        """Projects by risk: probabilities, level, reasons (``compare_to``: previous, a report date or a vintage)."""

        def produce() -> Rendered:
            store = request.app.state.forecast.store
            rv = _review(request, as_of, target, _quarterly(quarterly_targets))
            df = (
                rv.ranking(lang)
                if compare_to is None
                else api.rank(store, as_of, rv.policy, lang, compare_to=compare_to)
            )
            cols = [c for c in (*risk.COLUMNS, *COMPARED) if c in df.columns]
            return _only(df.select(cols), project_id), rv.snapshot.as_of, _notes(store, rv)

        return _table(request, who, "ranking", produce, limit, offset)

    @app.get(f"{v}/changes", response_model=Table, tags=["read"])
    def changes(
        request: Request, who: Viewer, as_of: AsOf = "latest", lang: Lang = "th", since: str = "previous"
    ) -> Response:
        """What changed since a report: the ranking with the previous rank, the move and newly high risks."""

        def produce() -> Rendered:
            store = request.app.state.forecast.store
            df = api.rank(store, as_of, None, lang, compare_to=since)
            moved = df.filter((pl.col(risk.RANK_CHANGE).fill_null(0) != 0) | pl.col(risk.NEW_HIGH))
            cols = [c for c in (*risk.COLUMNS, *COMPARED) if c in moved.columns]
            return moved.select(cols), _report_date(store, as_of), _basis_notes(store)

        return _table(request, who, "changes", produce)


def _projection_reads(app: FastAPI) -> None:
    """Year-end projections per project and per KPI."""
    v = f"/{VERSION}"

    @app.get(f"{v}/projections", response_model=Table, tags=["read"])
    def projections(
        request: Request,
        who: Viewer,
        as_of: AsOf = "latest",
        target: Target = None,
        project_id: str | None = None,
        limit: Page = None,
        offset: Skip = 0,
    ) -> Response:
        """Year-end disbursed and spend per project (p10/p50/p90), model and basis."""

        def produce() -> Rendered:
            rv = _review(request, as_of, target)
            df = rv.projection
            extra = (engine.P_MISS_DISBURSEMENT, engine.P_SPEND_BELOW_BUDGET)
            cols = [c for c in (*engine.PROJECTION_COLUMNS, *extra) if c in df.columns]
            return _only(df.select(cols), project_id), rv.snapshot.as_of, _notes(request.app.state.forecast.store, rv)

        return _table(request, who, "projections", produce, limit, offset)

    @app.get(f"{v}/kpis", response_model=Table, tags=["read"])
    def kpis(
        request: Request,
        who: Viewer,
        as_of: AsOf = "latest",
        project_id: str | None = None,
        limit: Page = None,
        offset: Skip = 0,
    ) -> Response:
        """Every KPI: value to date, projected year end, chance of the target, tier, status, basis."""

        def produce() -> Rendered:
            rv = _review(request, as_of)
            df = rv.kpis
            df = df.select([c for c in K.COLUMNS if c in df.columns]) if df.height else df
            return _only(df, project_id), rv.snapshot.as_of, _basis_notes(request.app.state.forecast.store)

        return _table(request, who, "kpis", produce, limit, offset)


def _portfolio_reads(app: FastAPI) -> None:
    """The portfolio's joint range and the reallocation advice."""
    v = f"/{VERSION}"

    @app.get(f"{v}/portfolio", response_model=Table, tags=["read"])
    def portfolio(
        request: Request,
        who: Viewer,
        as_of: AsOf = "latest",
        by: Annotated[str | None, Query(pattern="^(agency|plan_line|owner)$")] = None,
        target: Target = None,
    ) -> Response:
        """The whole store and each group: joint range, P(miss), expected shortfall."""

        def produce() -> Rendered:
            rv = _review(request, as_of, target)
            return rv.portfolio(by), rv.snapshot.as_of, _notes(request.app.state.forecast.store, rv)

        return _table(request, who, "portfolio", produce)

    @app.get(f"{v}/reallocation", response_model=Table, tags=["read"])
    def reallocation(
        request: Request,
        who: Viewer,
        as_of: AsOf = "latest",
        within: Annotated[str, Query(pattern="^(agency|plan_line|owner)$")] = RA.DEFAULT_WITHIN,
        appetite: Annotated[float, Query(ge=0.5, lt=1)] = RA.APPETITE,
        target: Target = None,
        max_transfer_share: Annotated[float, Query(gt=0, le=1)] = RA.MAX_TRANSFER_SHARE,
        table: Annotated[str, Query(pattern="^(transfers|effect|capacity)$")] = "transfers",
        lang: Lang = "th",
    ) -> Response:
        """Reallocation advice (``forecast reallocate``): proposed transfers with their reasons, the effect before
        and after (``table=effect``) or what each project can give and take (``table=capacity``). Advice only."""

        def produce() -> Rendered:
            store = request.app.state.forecast.store
            made = api.reallocate(store, as_of, within, appetite, target, max_transfer_share, actor=who.actor())
            frames = {"transfers": made.plan.transfers, "effect": made.plan.effect, "capacity": made.plan.capacity}
            notes = [*_notes(store, made.review), *made.plan.notes_text(lang)]
            return frames[table], made.review.snapshot.as_of, notes

        return _table(request, who, "reallocation", produce)


def _store_reads(app: FastAPI) -> None:
    """What the store keeps: revisions, vintages, targets, model sets."""
    v = f"/{VERSION}"

    @app.get(f"{v}/revisions", response_model=Table, tags=["read"])
    def revisions(request: Request, who: Viewer, limit: Page = None, offset: Skip = 0) -> Response:
        """Every restatement, budget revision and correction."""
        store = request.app.state.forecast.store
        return _table(request, who, "revisions", lambda: (store.revisions(), None, []), limit, offset)

    @app.get(f"{v}/vintages", response_model=Table, tags=["read"])
    def vintages(request: Request, who: Viewer) -> Response:
        """The store's vintages: when, by whom, report dates, files."""
        store = request.app.state.forecast.store
        return _table(request, who, "vintages", lambda: (store.vintages(), None, []))

    @app.get(f"{v}/targets", response_model=Table, tags=["read"])
    def targets(request: Request, who: Viewer) -> Response:
        """The disbursement targets per fiscal year, every time they were set."""
        store = request.app.state.forecast.store
        return _table(request, who, "targets", lambda: (store.read("targets", "all"), None, []))

    @app.get(f"{v}/models", response_model=Table, tags=["read"])
    def models(request: Request, who: Viewer) -> Response:
        """The saved model sets: author, basis, champions, KPI model, signature."""
        store = request.app.state.forecast.store
        return _table(request, who, "models", lambda: (api.model_sets(store), None, []))


def _job_reads(app: FastAPI) -> None:
    """A training job's progress (for those who may train)."""
    v = f"/{VERSION}"

    @app.get(f"{v}/jobs/{{job_id}}", tags=["write"])
    def job(request: Request, job_id: str, who: Annotated[Caller, Depends(allowed(roles.TRAIN))]) -> dict:
        """A training job's progress and result."""
        state: State = request.app.state.forecast
        j = state.jobs.get(job_id)
        if j is None:
            raise Problem(404, "not-found", f"no job {job_id!r} on this server.")
        return j.as_dict()


# --- writes ------------------------------------------------------------------------------------------------------
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _saved(files: list[UploadFile], folder: Path) -> list[Path]:
    """Uploaded files under their own base names (a path in a name is dropped)."""
    out = []
    for f in files:
        name = SAFE_NAME.sub("_", Path(f.filename or "upload").name) or "upload"
        path = folder / name
        with open(path, "wb") as dst:
            shutil.copyfileobj(f.file, dst)
        out.append(path)
    return out


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


class TargetsIn(BaseModel):
    fiscal_year: int = Field(description="in the store's era")
    year_end: float = Field(gt=0, le=1, description="year-end disbursement target, a share of the budget")
    quarterly: list[float] | None = Field(None, min_length=4, max_length=4, description="cumulative Q1-Q4 targets")
    note: str = ""


class ActivateIn(BaseModel):
    foreign: bool = Field(False, description="accept a set trained for another store (audited as a warning)")


def _writes(app: FastAPI) -> None:
    """The write routes, in the order they are matched and documented."""
    _file_writes(app)
    _targets_write(app)
    _model_writes(app)


def _file_writes(app: FastAPI) -> None:
    """``validate`` and ``ingest``: uploaded template files, checked or stored as a vintage."""
    v = f"/{VERSION}"

    @app.post(f"{v}/validate", tags=["write"])
    def validate(
        request: Request,
        files: Annotated[list[UploadFile], File()],
        who: Annotated[Caller, Depends(allowed(roles.VALIDATE, write=True))],
    ) -> JSONResponse:
        """Check template files against the template and the store; nothing is written."""
        store = request.app.state.forecast.store
        with tempfile.TemporaryDirectory(prefix="forecast-api-") as folder:
            checked = store.check(_saved(files, Path(folder)))
        return JSONResponse(
            {
                "ok": not checked.errors,
                "errors": len(checked.errors),
                "warnings": len(checked.warnings),
                "problems": _issues(checked.issues),
                "rows": {k: v.height for k, v in checked.tables.items()},
            },
            status_code=200 if not checked.errors else 422,
            media_type=JSON_TYPE if not checked.errors else PROBLEM,
        )

    @app.post(f"{v}/ingest", tags=["write"])
    def ingest(
        request: Request,
        files: Annotated[list[UploadFile], File()],
        who: Annotated[Caller, Depends(allowed(roles.INGEST, write=True))],
        note: Annotated[str, Form()] = "",
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Validate and store the files as one vintage, atomically; every problem located on any error.
        Repeating a request with the same ``Idempotency-Key`` returns the first answer and stores nothing."""
        state: State = request.app.state.forecast
        store = state.store
        if store.read_only:
            raise Problem(409, "read-only", "the embedded reference data is read-only; nothing was stored.")
        with tempfile.TemporaryDirectory(prefix="forecast-api-") as folder, state.ingest_lock:
            paths = _saved(files, Path(folder))
            digest = _digest(paths)
            seen = _idempotent(state, who, idempotency_key, digest)
            if seen is not None:
                return JSONResponse({**seen, "replayed": True})
            answer = _ingest_in_child(store, paths, note, who.actor())
            if answer["outcome"] == "invalid":
                raise Problem(422, "invalid-files", answer["summary"], problems=answer["problems"])
            if answer["outcome"] != "ok":
                raise Problem(answer["status"], answer["kind"], answer["detail"])
            body = {k: answer[k] for k in ("vintage", "rows", "warnings")} | {"store": store.id, "replayed": False}
            _remember(state, who, idempotency_key, digest, body)
        return JSONResponse(body, status_code=201 if body["vintage"] is not None else 200)


def _targets_write(app: FastAPI) -> None:
    """Setting a fiscal year's disbursement targets."""
    v = f"/{VERSION}"

    @app.post(f"{v}/targets", tags=["write"])
    def set_targets(
        request: Request, body: TargetsIn, who: Annotated[Caller, Depends(allowed(roles.SET_TARGETS, write=True))]
    ) -> JSONResponse:
        """Set a fiscal year's disbursement targets (kept in the store with their vintage)."""
        state: State = request.app.state.forecast
        store = state.store
        if store.read_only:
            raise Problem(409, "read-only", "targets are kept in a store; the reference data is read-only.")
        with state.ingest_lock:
            done = api.set_targets(store, body.fiscal_year, body.year_end, body.quarterly, body.note, actor=who.actor())
        result = done.result
        return JSONResponse(
            {"vintage": result.vintage, "fiscal_year": body.fiscal_year},
            status_code=201 if result.vintage is not None else 200,
        )


def _model_writes(app: FastAPI) -> None:
    """Training a model set in the background and activating one."""
    v = f"/{VERSION}"

    @app.post(f"{v}/train", status_code=202, tags=["write"])
    def train(
        request: Request,
        who: Annotated[Caller, Depends(allowed(roles.TRAIN, write=True))],
        files: Annotated[list[UploadFile] | None, File()] = None,
    ) -> JSONResponse:
        """Start training in the background (on uploaded history files, else the store's complete years).
        The set is made active only when an administrator trains; otherwise it waits for activation."""
        state: State = request.app.state.forecast
        store = state.store
        if store.read_only:
            raise Problem(409, "read-only", "model sets are kept in a store; the reference data is read-only.")
        with state.lock:
            if any(j.state == "running" for j in state.jobs.values()) or not _claim_training(store):
                raise Problem(409, "busy", "a training job is already running on this store; wait for it.")
            j = Job(secrets.token_hex(6), who.user or "", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
            state.jobs[j.id] = j
        folder = Path(tempfile.mkdtemp(prefix="forecast-train-"))
        paths = _saved(files or [], folder)
        threading.Thread(target=_watch_training, args=(state, j, who, paths, folder), daemon=True).start()
        return JSONResponse(
            {"job": j.id, "href": f"{v}/jobs/{j.id}"}, status_code=202, headers={"Location": f"{v}/jobs/{j.id}"}
        )

    @app.post(f"{v}/models/{{version}}/activate", tags=["write"])
    def activate(
        request: Request,
        version: str,
        body: ActivateIn,
        who: Annotated[Caller, Depends(allowed(roles.ACTIVATE, write=True))],
    ) -> dict:
        """Make a saved model set the active one (administrators)."""
        store = request.app.state.forecast.store
        foreign = api.activate(store, version, foreign=body.foreign, actor=who.actor())
        return {"active": version, "accepted_as_foreign": foreign}


# --- heavy writes run in a child process: the server's readers keep the interpreter -----------------------
CHILD = "from forecast.service import child_main; child_main()"


def _spawn(payload: dict) -> subprocess.Popen:
    """A fresh Python process running ``child_main`` on ``payload`` (JSON on its standard input)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(payload, default=str))
    proc.stdin.close()
    return proc


def child_main() -> None:
    """The child's side: one ingest or one training on the store, answering in JSON lines on standard output."""
    payload = json.loads(sys.stdin.read())
    store, actor = Store.open(Path(payload["root"])), Actor(**payload["actor"])
    paths = [Path(p) for p in payload["paths"]]

    def say(**message: Any) -> None:
        print(json.dumps(message, ensure_ascii=False, default=str), flush=True)

    try:
        if payload["task"] == "ingest":
            result = api.ingest(store, paths, note=payload["note"], actor=actor)
            say(outcome="ok", vintage=result.vintage, rows=result.rows, warnings=_issues(result.issues))
        else:
            ms = api.train(
                store,
                paths or None,
                activate=payload["activate"],
                actor=actor,
                progress=lambda p, text: say(outcome="progress", progress=float(p), text=text),
            )
            say(outcome="done", version=ms.version, awaits_activation=api.awaits_activation(store, ms.version))
    except ValidationError as exc:
        say(outcome="invalid", summary=f"{len(exc.errors)} error(s); nothing was stored.", problems=_issues(exc.issues))
    except ForecastError as exc:
        status = 400 if isinstance(exc, InputError) else 409 if isinstance(exc, StoreError) else 422
        say(outcome="failed", status=status, kind=type(exc).__name__.lower(), detail=str(exc))
    except Exception as exc:  # noqa: BLE001 - the parent reports any failure instead of a silent exit
        say(outcome="failed", status=500, kind="server-error", detail=f"{type(exc).__name__}: {exc}")


def _ingest_in_child(store: Store, paths: list[Path], note: str, actor: Actor) -> dict:
    proc = _spawn(
        {
            "task": "ingest",
            "root": str(store.root),
            "paths": [str(p) for p in paths],
            "note": note,
            "actor": dataclasses.asdict(actor),
        }
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.wait()
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    if not lines:
        raise Problem(500, "server-error", f"the ingest process ended without an answer (exit code {proc.returncode}).")
    return lines[-1]


def _watch_training(state: State, job: Job, who: Caller, paths: list[Path], folder: Path) -> None:
    """Run a training job in a child process and follow it, so that reads keep the server's interpreter."""
    proc = _spawn(
        {
            "task": "train",
            "root": str(state.store.root),
            "paths": [str(p) for p in paths],
            "activate": True,  # the door decides: an analyst's set waits for an administrator
            "actor": dataclasses.asdict(who.actor()),
        }
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            m = json.loads(line)
            if m["outcome"] == "progress":
                job.progress, job.text = m["progress"], m["text"]
            elif m["outcome"] == "done":
                job.version, job.state, job.progress = m["version"], "done", 1.0
                job.awaits_activation = bool(m.get("awaits_activation"))
            else:
                job.state, job.error = "failed", m.get("detail") or m.get("summary") or "training failed"
        proc.wait(60)
        if job.state == "running":
            job.state, job.error = "failed", f"the training process ended (exit code {proc.returncode})."
    finally:
        job.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        shutil.rmtree(folder, ignore_errors=True)
        (state.store.access_dir / TRAINING_LOCK).unlink(missing_ok=True)


TRAINING_LOCK = "training.lock"


def _claim_training(store: Store) -> bool:
    """Take the store's training lock (a file made exclusively, holding the process id); a lock whose
    process has died is taken over."""
    path = store.access_dir / TRAINING_LOCK
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                pid = int(path.read_text().strip() or 0)
                os.kill(pid, 0)
                return False  # a live process holds it
            except (ValueError, ProcessLookupError, PermissionError, OSError):
                path.unlink(missing_ok=True)
                continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def _idempotent(state: State, who: Caller, key: str | None, digest: str) -> dict | None:
    """The first answer to this key (same caller, same files); a key reused for other files is refused."""
    path = state.idempotency_path()
    if not key or path is None or not path.exists():
        return None
    seen = json.loads(path.read_text(encoding="utf-8")).get(f"{who.user}:{key}")
    if seen is None:
        return None
    if seen["digest"] != digest:
        raise Problem(422, "idempotency-key-reused", "this Idempotency-Key was used for other files; use a new key.")
    return seen["body"]


def _remember(state: State, who: Caller, key: str | None, digest: str, body: dict) -> None:
    path = state.idempotency_path()
    if not key or path is None:
        return
    seen = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    seen[f"{who.user}:{key}"] = {"digest": digest, "body": body, "at": dt.datetime.now(dt.UTC).isoformat()}
    replace_durably(path, json.dumps(seen, ensure_ascii=False).encode("utf-8"), 0o600)


def loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


PUBLIC_ENV, CORS_ENV, SECRETS_ENV = "FORECAST_SERVE_PUBLIC", "FORECAST_SERVE_CORS", "FORECAST_SERVE_SECRETS"
SECRETS = config.ROOT / ".streamlit" / "secrets.toml"  # the app's single sign-on settings, shared


def from_environment() -> FastAPI:
    """The app of the store named by FORECAST_STORE (each worker process of ``serve --workers N`` builds one)."""
    cors = [o for o in os.environ.get(CORS_ENV, "").split(" ") if o]
    secrets_path = Path(os.environ.get(SECRETS_ENV) or SECRETS)
    return create_app(
        Store.open(),
        public_reads=os.environ.get(PUBLIC_ENV) == "1",
        cors_origins=cors or None,
        provider=Provider.from_secrets(secrets_path),
    )


def serve(
    store: Store,
    host: str = "127.0.0.1",
    port: int = 8000,
    cors_origins: list[str] | None = None,
    proxy: bool = False,
    workers: int = 1,
    secrets_path: Path = SECRETS,
) -> None:
    """Run the API (uvicorn). ``proxy`` trusts X-Forwarded-For/-Proto from the loopback proxy only; with
    ``workers`` > 1, that many processes serve the same store (jobs and throttling are per process; a
    second training is refused across processes by the store's training lock)."""
    import uvicorn  # noqa: PLC0415 - lazy: uvicorn, only the server needs it

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": proxy,
        "server_header": False,
        "forwarded_allow_ips": "127.0.0.1" if proxy else None,
        "log_level": "info",
    }
    if workers <= 1:
        provider = Provider.from_secrets(secrets_path)
        uvicorn.run(create_app(store, loopback(host), cors_origins=cors_origins, provider=provider), **options)
        return
    os.environ[SECRETS_ENV] = str(secrets_path)
    if store.root is not None:
        os.environ[config.STORE_ENV] = str(store.root)
    os.environ[PUBLIC_ENV] = "1" if loopback(host) else "0"
    os.environ[CORS_ENV] = " ".join(cors_origins or [])
    uvicorn.run("forecast.service:from_environment", factory=True, workers=workers, **options)
