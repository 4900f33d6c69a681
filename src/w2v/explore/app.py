"""The web application of ``w2v explore``: the page and the JSON API, on Starlette.

Starlette (an ASGI toolkit, served by uvicorn) gives routing, static files with path checks,
host-header checking and a test client; this module only maps HTTP to :class:`Explorer`.

Every answer is JSON. Errors are ``{"error": message}`` with 400 (bad request, or a Host
header not allowed), 404 (unknown word, with ``"words"`` and ``"suggestions"``, the close
forms of each; unknown path; no model), 405, 413, 414 or 415, and 503 (with ``Retry-After``)
when more neighbour queries wait than the server accepts; the queries run in worker threads
(numpy and the compiled top-k release the GIL), so a slow t-SNE never blocks the other
requests, and neighbour queries waiting at the same time are answered together
(:mod:`w2v.explore.batcher`). The app is read-only: GET everywhere, plus POST for batched
queries, which must be JSON (a cross-site form cannot send that without the browser asking
first).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from w2v.errors import W2VError
from w2v.explore.explorer import Explorer, Overloaded, Unavailable, UnknownWords

__all__ = ["STATIC", "create_app"]

logger = logging.getLogger(__name__)

#: The page's files; the only files the server ever sends.
STATIC = Path(__file__).resolve().parent / "static"

# Same-origin everything: the page loads nothing from elsewhere (no CDN, no fonts), and no
# other site may frame it.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class JSON(JSONResponse):
    """JSON that stays valid when a value is NaN or infinite (written as null)."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)  # allow_nan=False: raises on NaN
        except ValueError:
            return super().render(_finite(content))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value - value == 0 else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class _BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class _Params:
    """The query string of one request, checked against the names the endpoint takes."""

    def __init__(self, request: Request, names: Sequence[str], explorer: Explorer) -> None:
        if len(request.url.query) > explorer.limits.max_query_chars:
            raise _BadRequest(
                f"query string of {len(request.url.query)} characters; at most "
                f"{explorer.limits.max_query_chars} are accepted",
                414,
            )
        self.q = request.query_params
        unknown = sorted(set(self.q) - set(names))
        if unknown:
            raise _BadRequest(
                f"unknown parameter {unknown[0]!r} (this endpoint takes: {', '.join(names)})"
            )

    def get(self, name: str, default: str | None = None, required: bool = False) -> str | None:
        values = self.q.getlist(name)
        if len(values) > 1:
            raise _BadRequest(f"parameter {name!r} given {len(values)} times; give it once")
        if not values:
            if required:
                raise _BadRequest(f"missing parameter {name!r}")
            return default
        return values[0]

    def word(self, name: str) -> str:
        value = self.get(name, required=True)
        assert value is not None
        return value

    def words(self, name: str) -> list[str]:
        values = self.q.getlist(name)
        if not values:
            raise _BadRequest(f"missing parameter {name!r}")
        return values

    def int(self, name: str, default: int | None) -> int | None:
        text = self.get(name)
        if text is None:
            return default
        try:
            return int(text.strip(), 10)
        except ValueError:
            raise _BadRequest(f"{name} must be an integer, got {text[:50]!r}") from None


Handler = Callable[[Request, Explorer], Awaitable[Any]]


def _endpoint(explorer: Explorer, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: its dict becomes JSON; every expected error a 4xx with a message."""

    async def endpoint(request: Request) -> Response:
        try:
            return JSON(await handler(request, explorer))
        except _BadRequest as exc:
            return JSON({"error": str(exc)}, status_code=exc.status)
        except UnknownWords as exc:
            return JSON(
                {"error": str(exc), "words": exc.words, "suggestions": exc.suggestions},
                status_code=404,
            )
        except Unavailable as exc:
            return JSON({"error": str(exc)}, status_code=404)
        except Overloaded as exc:
            return JSON({"error": str(exc)}, status_code=503, headers={"Retry-After": "1"})
        except W2VError as exc:  # ParameterError and the rest of w2v's deliberate errors
            return JSON({"error": str(exc)}, status_code=400)

    return endpoint


# Queries run in worker threads (numpy and the compiled top-k release the GIL), at most one
# computing per core: more only makes them fight over cores and caches (measured with
# benchmarks/serve_latency.py). The others wait, blocked, without using the CPU.
_COMPUTING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def _one_per_core(fn: Callable[..., Any], *args: Any) -> Any:
    with _COMPUTING:
        return fn(*args)


def _call(fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    return run_in_threadpool(_one_per_core, fn, *args)


def _call_batched(fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    # Neighbour queries: the thread only waits for the explorer's batching worker, which
    # computes for every waiting request at once; holding a core's slot would cap the batch.
    return run_in_threadpool(fn, *args)


# ---------------------------------------------------------------------------- handlers


async def _info(request: Request, ex: Explorer) -> Any:
    _Params(request, [], ex)
    return ex.info()


async def _vocabulary(request: Request, ex: Explorer) -> Any:
    p = _Params(request, ["prefix", "limit"], ex)
    return await _call(ex.complete, p.get("prefix", ""), p.int("limit", 10))


async def _neighbours(request: Request, ex: Explorer) -> Any:
    p = _Params(request, ["word", "topn", "restrict_vocab"], ex)
    return await _call_batched(
        ex.neighbours, p.word("word"), p.int("topn", 10), p.int("restrict_vocab", None)
    )


async def _neighbours_batch(request: Request, ex: Explorer) -> Any:
    _Params(request, [], ex)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise _BadRequest("send the queries as JSON (Content-Type: application/json)", 415)
    limit = ex.limits.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _BadRequest(f"request body over {limit} bytes", 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _BadRequest(f"request body over {limit} bytes", 413)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise _BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _BadRequest('the body must be a JSON object such as {"queries": ["king"]}')
    unknown = sorted(set(data) - {"queries", "topn", "restrict_vocab"})
    if unknown:
        raise _BadRequest(
            f"unknown field {unknown[0]!r} (the body takes: queries, topn, restrict_vocab)"
        )
    if "queries" not in data:
        raise _BadRequest("missing field 'queries'")
    return await _call_batched(
        ex.neighbours_batch, data["queries"], data.get("topn", 10), data.get("restrict_vocab")
    )


async def _analogy(request: Request, ex: Explorer) -> Any:
    p = _Params(request, ["a", "b", "c", "method", "topn"], ex)
    method = p.get("method", "3cosadd")
    call = _call_batched if method == "3cosadd" else _call
    return await call(ex.analogy, p.word("a"), p.word("b"), p.word("c"), method, p.int("topn", 10))


async def _similarity(request: Request, ex: Explorer) -> Any:
    p = _Params(request, ["a", "b"], ex)
    return await _call(ex.similarity, p.word("a"), p.word("b"))


async def _vector(request: Request, ex: Explorer) -> Any:
    p = _Params(request, ["word"], ex)
    return await _call(ex.vector, p.word("word"))


async def _predict_center(request: Request, ex: Explorer) -> Any:
    p = _Params(request, ["context", "topn", "layer"], ex)
    return await _call(ex.predict_center, p.words("context"), p.int("topn", 10), p.get("layer"))


async def _predict_context(request: Request, ex: Explorer) -> Any:
    p = _Params(request, ["word", "topn", "layer"], ex)
    return await _call(ex.predict_context, p.word("word"), p.int("topn", 10), p.get("layer"))


async def _map(request: Request, ex: Explorer) -> Any:
    p = _Params(request, ["word", "top", "n", "method"], ex)
    return await _call(
        ex.map, p.get("word"), p.int("top", None), p.int("n", 30), p.get("method", "pca")
    )


_API: list[tuple[str, Handler, list[str]]] = [
    ("/api/info", _info, ["GET"]),
    ("/api/vocabulary", _vocabulary, ["GET"]),
    ("/api/neighbours", _neighbours, ["GET"]),
    ("/api/neighbours/batch", _neighbours_batch, ["POST"]),
    ("/api/analogy", _analogy, ["GET"]),
    ("/api/similarity", _similarity, ["GET"]),
    ("/api/vector", _vector, ["GET"]),
    ("/api/predict/center", _predict_center, ["GET"]),
    ("/api/predict/context", _predict_context, ["GET"]),
    ("/api/map", _map, ["GET"]),
]


# ------------------------------------------------------------------------------- app


class _SecurityHeaders:
    """Add the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _HostCheck(TrustedHostMiddleware):
    """Starlette's host-header check, its refusal sent as JSON like every other error."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        async def accepted(scope: Scope, receive: Receive, send: Send) -> None:
            scope["w2v.host_accepted"] = True
            await app(scope, receive, send)

        super().__init__(accepted, allowed_hosts=list(allowed_hosts), www_redirect=False)
        self.names = list(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_or_replace(message: Message) -> None:
            if scope.get("w2v.host_accepted"):
                await send(message)
            elif message["type"] == "http.response.start":  # the refusal: say it in JSON
                host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
                refusal = JSON(
                    {"error": f"Host header {host!r} refused: this server answers only as "
                              f"{', '.join(self.names)} (a DNS-rebinding guard)"},
                    status_code=400,
                )  # fmt: skip
                await refusal(scope, receive, send)
            # (the plain-text body of Starlette's refusal is dropped)

        await super().__call__(scope, receive, send_or_replace)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"no such page: {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return JSON({"error": message}, status_code=exc.status_code, headers=exc.headers)


async def _internal_error(request: Request, exc: Exception) -> Response:
    # A bug: logged with its traceback on the server, one line to the client.
    logger.error("error answering %s", request.url.path, exc_info=exc)
    return JSON(
        {"error": f"internal error ({type(exc).__name__}); see the server log"}, status_code=500
    )


async def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html")


def create_app(explorer: Explorer, allowed_hosts: Sequence[str] | None = None) -> Starlette:
    """The Starlette application serving `explorer`'s page and API.

    Parameters
    ----------
    explorer : Explorer
        The vectors and their queries.
    allowed_hosts : sequence of str, optional
        Host names the ``Host`` header may carry (others get 400). A server on loopback
        passes its loopback names: a web page elsewhere cannot then reach it by pointing its
        own domain at 127.0.0.1 (DNS rebinding). None accepts any host.
    """
    routes: list[Route | Mount] = [Route("/", _index, methods=["GET"])]
    routes += [
        Route(path, _endpoint(explorer, handler), methods=methods)
        for path, handler, methods in _API
    ]
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    middleware = [Middleware(_SecurityHeaders)]
    if allowed_hosts is not None:
        middleware.append(Middleware(_HostCheck, allowed_hosts=list(allowed_hosts)))
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
