"""Errors as problem JSON (RFC 9457) with stable codes; a request never meets a bare 500 page."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from savile.decide.catalogue import CatalogueError
from savile.exceptions import SavileError

log = structlog.get_logger("savile.api")
MEDIA_TYPE = "application/problem+json"


def problem(status: int, code: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": f"https://savile.dev/problems/{code}", "title": code.replace("_", " "), "status": status, "code": code,
            "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e["loc"] if p != "body") or "body", "message": e["msg"]} for e in error.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "request_invalid", f"Fix the request: {detail}", errors=errors)

    @app.exception_handler(CatalogueError)
    async def invalid_catalogue(_: Request, error: CatalogueError) -> JSONResponse:
        return problem(422, error.code, f"{len(error.problems)} problem(s) in the catalogue; nothing was changed",
                       errors=[vars(p) for p in error.problems])

    @app.exception_handler(SavileError)
    async def savile_error(_: Request, error: SavileError) -> JSONResponse:
        return problem(error.http_status, error.code, str(error))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return problem(error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected_error", path=request.url.path, error=type(error).__name__)
        return problem(500, "internal_error", "Savile failed unexpectedly; the error is logged. Please report it.")
