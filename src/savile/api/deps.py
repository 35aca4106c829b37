"""What routes receive: the authenticated caller and the services the app was built with.

The dependencies are ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, and
two extra thread hops per request cost more event-loop time than the decision's HTTP layer
itself. Only a key not yet in the checker's cache goes to the thread pool (a database read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from savile.api.access import Caller, KeyChecker
from savile.decide import DecisionService
from savile.store import SqlStore


async def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    checker: KeyChecker = request.app.state.keys
    known = checker.cached(authorization)
    return known if known is not None else await run_in_threadpool(checker, authorization)


async def service(request: Request) -> DecisionService:
    return request.app.state.decisions


async def store(request: Request) -> SqlStore:
    return request.app.state.store


CallerDep = Annotated[Caller, Depends(caller)]
ServiceDep = Annotated[DecisionService, Depends(service)]
StoreDep = Annotated[SqlStore, Depends(store)]
