"""Identity tables (departments, roles, users, rights, field rules, tokens, audit, trash)
and tenant settings."""

from core.identity.models import IDENTITY_MODELS
from core.settings import Setting


def upgrade(ctx):
    ctx.create_tables(Setting, *IDENTITY_MODELS)
