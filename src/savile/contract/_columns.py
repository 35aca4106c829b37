"""Column specs derived from the contract models, for the vectorised batch path."""

from __future__ import annotations

import typing

import annotated_types
from dataclasses import dataclass

from savile.contract._kinds import Kind
from savile.contract.tables import TABLES, ContractRow
from savile.exceptions import NotFoundError


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    description: str
    ge: float | None = None
    le: float | None = None


def columns_of(model: type[ContractRow]) -> tuple[Column, ...]:
    """The contract columns of ``model`` in contract order."""
    found = []
    for name, field in model.model_fields.items():
        metadata = [*field.metadata, *_nested_metadata(field.annotation)]
        found.append(
            Column(
                name,
                _kind_of(metadata, model, name),
                field.is_required(),
                field.description or "",
                ge=next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None),
                le=next((m.le for m in metadata if isinstance(m, annotated_types.Le)), None),
            )
        )
    return tuple(found)


def _nested_metadata(annotation: object) -> list[object]:
    # ``Money | None`` keeps the Annotated metadata inside the union's arguments.
    found = list(getattr(annotation, "__metadata__", ()))
    for arg in typing.get_args(annotation):
        found += _nested_metadata(arg)
    return found


def _kind_of(metadata: list[object], model: type[ContractRow], name: str) -> Kind:
    for item in metadata:
        if isinstance(item, Kind):
            return item
    raise TypeError(f"{model.__name__}.{name} has no contract Kind; annotate it with a type from savile.contract._kinds")


def model_for(table: str) -> type[ContractRow]:
    """The model of a contract table, by name."""
    try:
        return TABLES[table]
    except KeyError:
        raise NotFoundError(f"Unknown contract table {table!r}. Expected one of: {', '.join(TABLES)}.") from None
