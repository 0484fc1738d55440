"""The JSON Schema of the results document (``results.schema.json``) and validation against it."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]

SCHEMA_NAME = "results.schema.json"
"""The schema's file name, inside the package ``syncguard.output``."""
SCHEMA_PATH: Traversable = files("syncguard.output").joinpath(SCHEMA_NAME)
"""The schema file as a package resource (a real path in a checkout or an unpacked wheel;
use :func:`importlib.resources.as_file` where a file system path is required)."""


def schema() -> dict[str, Any]:
    """The results schema (JSON Schema draft 2020-12), freshly loaded: the caller may change it."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@lru_cache(maxsize=1)
def _validator() -> Any:
    """A validator of the schema, built once (the schema itself is checked first)."""
    document = schema()
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(
        document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _where(path: Any) -> str:
    """A JSON pointer to the offending value: ``/findings/0/severity`` (``/`` for the root)."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def validate(document: Any) -> list[str]:
    """The problems of a results document against the schema; empty when it conforms.

    Args:
        document: A parsed results document (``json.loads`` of ``results.json``).

    Returns:
        One line per problem, ``<JSON pointer>: <what is wrong>``, in document order.
    """
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.path)))
    return [f"{_where(e.absolute_path)}: {e.message}" for e in errors]
