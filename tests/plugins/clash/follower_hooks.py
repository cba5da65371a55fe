"""Depends on stray_blueprint, so it goes down with it."""

from flask import Blueprint

from core.toolkit import hookimpl

pages = Blueprint("clash_follower", __name__, url_prefix="/follower")


@pages.get("/")
def index():
    return "follower"


@hookimpl
def crm_blueprints(kernel):
    return [pages]
