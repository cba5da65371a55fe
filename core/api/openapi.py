"""OpenAPI 3 for a tenant, generated with apispec from the same marshmallow schemas.

Every route under ``/t/<tenant>/api/v1/`` whose module the tenant has enabled is described:
resource endpoints from their resource (list parameters, input and output schemas, errors),
hand-written ones from :func:`api_doc`, anything else from its docstring with a generic body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import fields as ma

from . import fields as xf
from .query import MAX_LIMIT

API_PREFIX = "/t/<tenant>/api/v1"
CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
ERRORS = {
    "400": "Malformed JSON or parameters",
    "401": "Not signed in",
    "403": "Not allowed",
    "404": "Absent or not visible",
    "409": "Conflict (stale write)",
    "415": "Not JSON",
    "422": "Validation error",
}


def api_doc(
    summary: str = "",
    description: str = "",
    request: Any = None,
    response: Any = None,
    many: bool = False,
    status: int = 200,
    params: Mapping[str, Any] | None = None,
    tags: list[str] | None = None,
    errors: tuple[int, ...] = (400, 404),
) -> Callable[..., Any]:
    """Describe a hand-written API endpoint for the tenant's OpenAPI document.

    ``request``/``response``: marshmallow schema classes or instances; ``many``: the response
    is ``{"items": [...]}``; ``params``: query parameters as ``{name: marshmallow field}`` or
    ``{name: (openapi type, description)}``; ``errors``: the error statuses it can answer.
    """

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view._xietong_doc = {  # type: ignore[attr-defined]
            "summary": summary,
            "description": description,
            "request": request,
            "response": response,
            "many": many,
            "status": status,
            "params": dict(params or {}),
            "tags": tags or [],
            "errors": errors,
        }
        return view

    return mark


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_\-/]", name) if part)


class SpecBuilder:
    """Builds one tenant's document; one instance per request (apispec keeps state)."""

    def __init__(self, tenant: Any, kernel: Any) -> None:
        self.tenant = tenant
        self.kernel = kernel
        self.plugin = MarshmallowPlugin()
        self.spec = APISpec(
            title=f"Xietong CRM API · {tenant.name}",
            version=kernel.version,
            openapi_version="3.0.3",
            plugins=[self.plugin],
            info={
                "description": "Authenticate with `Authorization: Bearer <token>` "
                '(`xietong token create`). Errors: `{"error": {code, message, fields}}`.'
            },
            servers=[{"url": f"/t/{tenant.slug}/api/v1"}],
        )
        for field_class, (kind, fmt) in xf.openapi_mappings().items():
            self.plugin.map_to_openapi_type(field_class, kind, fmt)
        self.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
        self.spec.components.schema(
            "Error",
            {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    }
                },
            },
        )
        self._names: dict[tuple[str, type], str] = {}

    # -- helpers ---------------------------------------------------------------------------

    def _schema_ref(self, name: str, schema: Any) -> dict[str, Any]:
        """A reference to ``schema``'s component, registering it under ``name`` — or, when two
        plugins both have a ``DealSchema`` (or the marshmallow plugin took the name for a
        nested schema), under a name qualified by the schema's module."""
        schema_class = schema if isinstance(schema, type) else type(schema)
        key = (name, schema_class)  # one class may be asked for under two names (X, XInput)
        if key in self._names:
            return {"$ref": f"#/components/schemas/{self._names[key]}"}
        taken = self.spec.components.schemas
        module = schema_class.__module__.split(".")
        owner = module[1] if len(module) > 1 and module[0] in ("plugins", "core") else module[0]
        unique = name if name not in taken else _camel(owner) + name  # plugins.customers → Customers…
        counter = 2
        while unique in taken:
            unique, counter = f"{name}{counter}", counter + 1
        self.spec.components.schema(unique, schema=schema)
        self._names[key] = unique
        return {"$ref": f"#/components/schemas/{unique}"}

    def _param(self, name: str, spec: Any) -> dict[str, Any]:
        if isinstance(spec, ma.Field):
            schema = self.plugin.converter.field2property(spec)
            schema.pop("readOnly", None)
            return {"name": name, "in": "query", "required": False, "schema": schema}
        kind, description = spec
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": {"type": kind},
        }

    def _errors(self, *codes: int) -> dict[str, Any]:
        ref = {"$ref": "#/components/schemas/Error"}
        return {
            str(c): {
                "description": ERRORS.get(str(c), "Error"),
                "content": {"application/json": {"schema": ref}},
            }
            for c in (401, *codes)
        }

    @staticmethod
    def _json(schema: dict[str, Any]) -> dict[str, Any]:
        return {"content": {"application/json": {"schema": schema}}}

    # -- resources -------------------------------------------------------------------------

    def resource_operation(self, kind: str, resource: Any) -> dict[str, Any]:
        schema_class = resource.schema_for_tenant()
        base = _camel(resource.entity)
        dump_only = [n for n, f in schema_class._declared_fields.items() if f.dump_only]
        output = self._schema_ref(base, schema_class())
        tag = [resource.path]
        if kind in ("list", "export"):
            fields = schema_class._declared_fields
            sorts = [s for name in (*resource.sort_fields, "id") for s in (name, f"-{name}")]
            params = [
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string", "maxLength": 200},
                    "description": "search " + ", ".join(resource.search_fields),
                },
                {"name": "sort", "in": "query", "schema": {"type": "string", "enum": sorts}},
                *[self._param(name, fields[name]) for name in resource.filter_fields],
            ]
            if kind == "export":
                params.append(
                    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "xlsx"]}}
                )
                return {
                    "tags": tag,
                    "summary": f"Export {resource.path} (needs the export right)",
                    "parameters": params,
                    "responses": {
                        "200": {
                            "description": "The file",
                            "content": {
                                "text/csv": {"schema": {"type": "string"}},
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                                    "schema": {"type": "string", "format": "binary"}
                                },
                            },
                        },
                        **self._errors(400, 403),
                    },
                }
            params += [
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                },
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            ]
            page = {
                "type": "object",
                "required": ["items", "next"],
                "properties": {
                    "items": {"type": "array", "items": output},
                    "next": {"type": "string", "nullable": True},
                },
            }
            return {
                "tags": tag,
                "summary": f"List {resource.path} (keyset pages)",
                "parameters": params,
                "responses": {"200": {"description": "A page", **self._json(page)}, **self._errors(400, 403)},
            }
        if kind == "create":
            body = self._schema_ref(f"{base}Input", schema_class(exclude=dump_only))
            return {
                "tags": tag,
                "summary": f"Create a {resource.entity}",
                "requestBody": {"required": True, **self._json(body)},
                "responses": {
                    "201": {"description": "Created", **self._json(output)},
                    # 404: a record the new one refers to is not visible (a deal's customer)
                    **self._errors(400, 403, 404, 415, 422),
                },
            }
        if kind == "get":
            return {
                "tags": tag,
                "summary": f"One {resource.entity}",
                "responses": {
                    "200": {"description": "The record (with ETag)", **self._json(output)},
                    "304": {"description": "Not modified (If-None-Match)"},
                    **self._errors(404),
                },
            }
        if kind == "patch":
            body = self._schema_ref(f"{base}Patch", schema_class(exclude=dump_only, partial=True))
            return {
                "tags": tag,
                "summary": f"Change a {resource.entity} (If-Match or version → 409 when stale)",
                "parameters": [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
                "requestBody": {"required": True, **self._json(body)},
                "responses": {
                    "200": {"description": "Changed", **self._json(output)},
                    **self._errors(400, 403, 404, 409, 415, 422),
                },
            }
        if kind == "delete":
            return {
                "tags": tag,
                "summary": f"Move a {resource.entity} to the trash",
                "responses": {"204": {"description": "In the trash"}, **self._errors(400, 403, 404, 409)},
            }
        tab = {
            "type": "object",
            "properties": {k: {"type": "string"} for k in ("key", "title", "title_zh", "url", "module")},
        }
        tab["properties"]["count"] = {"type": "integer", "nullable": True}
        items = {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": tab}},
        }
        return {
            "tags": tag,
            "summary": f"Record tabs of a {resource.entity}",
            "responses": {"200": {"description": "Tabs", **self._json(items)}, **self._errors(404)},
        }

    # -- other endpoints -------------------------------------------------------------------

    def documented_operation(self, doc: dict[str, Any], method: str) -> dict[str, Any]:
        op: dict[str, Any] = {
            "summary": doc["summary"],
            "tags": doc["tags"],
            "parameters": [self._param(n, s) for n, s in doc["params"].items()],
        }
        if doc["description"]:
            op["description"] = doc["description"]
        if doc["request"] is not None and method in ("post", "put", "patch"):
            op["requestBody"] = {"required": True, **self._json(self._named(doc["request"]))}
        response: dict[str, Any] = {"description": "OK"}
        if doc["response"] is not None:
            ref = self._named(doc["response"])
            body = (
                {"type": "object", "properties": {"items": {"type": "array", "items": ref}}}
                if doc["many"]
                else ref
            )
            response.update(self._json(body))
        errors = tuple(doc["errors"])
        if method in ("post", "put", "patch") and 415 not in errors:
            errors += (415,)  # a body of a content type the endpoint does not read is refused
        op["responses"] = {str(doc["status"]): response, **self._errors(*errors)}
        return op

    def _named(self, schema: Any) -> dict[str, Any]:
        instance = schema() if isinstance(schema, type) else schema
        name = (type(instance).__name__.removesuffix("Schema") or "Body") + (
            "Patch" if instance.partial else ""
        )
        return self._schema_ref(name, instance)

    def generic_operation(self, view: Callable[..., Any], method: str) -> dict[str, Any]:
        summary = ((view.__doc__ or "").strip().splitlines() or [view.__name__.replace("_", " ")])[0]
        return {
            "summary": summary,
            "responses": {
                "200": {"description": "OK", **self._json({})},
                "default": {"description": "Error", **self._json({"$ref": "#/components/schemas/Error"})},
            },
        }

    # -- the document ----------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        app = current_app
        paths: dict[str, dict[str, Any]] = {}
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith(API_PREFIX + "/"):
                continue
            blueprint = rule.endpoint.split(".")[0]
            if self.kernel.blueprint_owner.get(blueprint, "core") not in self.tenant.enabled:
                continue
            view = app.view_functions[rule.endpoint]
            if getattr(view, "_xietong_hidden", False):
                continue
            path = CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule[len(API_PREFIX) :])
            params = [
                {
                    "name": m.group(2),
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer" if m.group(1) == "int" else "string"},
                }
                for m in CONVERTER.finditer(rule.rule[len(API_PREFIX) :])
            ]
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                lower = method.lower()
                if hasattr(view, "_xietong_api"):
                    op = self.resource_operation(view._xietong_api[0], view._xietong_api[1])
                elif hasattr(view, "_xietong_doc"):
                    op = self.documented_operation(view._xietong_doc, lower)
                else:
                    op = self.generic_operation(view, lower)
                op["operationId"] = f"{rule.endpoint}.{lower}"
                op["security"] = [{"bearer": []}]
                if params:
                    op["parameters"] = [*params, *op.get("parameters", [])]
                paths.setdefault(path, {})[lower] = op
        for path in sorted(paths):
            self.spec.path(path=path, operations=paths[path])
        return self.spec.to_dict()


def build_spec(tenant: Any) -> dict[str, Any]:
    """The OpenAPI document of ``tenant`` (its enabled modules only)."""
    return SpecBuilder(tenant, current_app.extensions["xietong"]).build()
