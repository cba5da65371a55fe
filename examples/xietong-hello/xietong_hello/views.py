"""A page, a record-tab fragment and a small JSON API."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from core.toolkit import ApiError
from xietong_hello import services
from xietong_hello.models import Greeting

# Mounted by the kernel under /t/<tenant>; the API blueprint adds /api/v1.
pages = Blueprint("hello", __name__, url_prefix="/hello", template_folder="templates")
api = Blueprint("hello_api", __name__, url_prefix="/api/v1/hello")


@pages.get("/")
def index() -> str:
    return render_template("hello/index.html", greetings=services.latest(limit=50),
                           total=Greeting.select().count())


@pages.get("/customers/<int:customer_id>")
def customer_tab(customer_id: int) -> str:
    """The Greetings tab of a customer record: an HTML fragment, loaded lazily."""
    greetings = services.latest(limit=20, customer_id=customer_id)
    return render_template("hello/customer_tab.html", greetings=greetings)


@api.get("/greetings")
def list_greetings() -> Response:
    return jsonify(items=[g.to_dict() for g in services.latest(limit=200)], next=None)


@api.post("/greetings")
def create_greeting() -> tuple[Response, int]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "send a JSON object")
    unknown = sorted(set(data) - {"message", "customer_id"})
    if unknown:
        raise ApiError(422, "unknown fields", fields={name: ["unknown field"] for name in unknown})
    try:
        greeting = services.greet(data.get("message"), data.get("customer_id"))
    except services.GreetingError as exc:
        raise ApiError(422, str(exc), fields={exc.field: [str(exc)]}) from exc
    return jsonify(greeting.to_dict()), 201


@api.get("/greetings/<int:greeting_id>")
def get_greeting(greeting_id: int) -> Response:
    greeting = Greeting.get_or_none(Greeting.id == greeting_id)
    if greeting is None:
        raise ApiError(404, f"no greeting {greeting_id}")
    return jsonify(greeting.to_dict())
