"""What routes receive: the authenticated caller and the services the app was built with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from savile.api.access import Caller, KeyChecker
from savile.decide import DecisionService
from savile.store import SqlStore


def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    checker: KeyChecker = request.app.state.keys
    return checker(authorization)


def service(request: Request) -> DecisionService:
    return request.app.state.decisions


def store(request: Request) -> SqlStore:
    return request.app.state.store


CallerDep = Annotated[Caller, Depends(caller)]
ServiceDep = Annotated[DecisionService, Depends(service)]
StoreDep = Annotated[SqlStore, Depends(store)]
