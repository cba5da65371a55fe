"""Marshmallow schemas of pools, rules, claims and owner history (API input and forms)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plugins.customers.pool_models import RULE_KINDS

DAYS = validate.Range(min=1, max=3650, error="a day count is a whole number from 1 to 3650")
NON_NEGATIVE = validate.Range(min=0, max=3650, error="must be a whole number from 0 to 3650")
LIMIT = validate.Range(min=0, max=1_000_000, error="a limit is a whole number of at least 0")
ID = validate.Range(min=1, max=2**31 - 1, error="not an id")


class Trimmed(fields.String):
    """A string with surrounding white space removed."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class RuleSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(RULE_KINDS))
    days = fields.Integer(required=True, strict=True, validate=DAYS)
    level = Trimmed(load_default="", validate=validate.Length(max=64))


class PoolSchema(Schema):
    """Create or change a pool. ``departments``: ids of the departments (and those below
    them) that may see and claim; empty: everyone. ``rules`` replaces the pool's rules."""

    name = Trimmed(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    position = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=-100_000, max=100_000))
    is_default = fields.Boolean(load_default=False)
    auto_return = fields.Boolean(load_default=True)
    warn_days = fields.Integer(load_default=3, strict=True, validate=NON_NEGATIVE)
    max_held = fields.Integer(load_default=None, allow_none=True, strict=True, validate=LIMIT)
    daily_claims = fields.Integer(load_default=None, allow_none=True, strict=True, validate=LIMIT)
    reclaim_ban_days = fields.Integer(load_default=0, strict=True, validate=NON_NEGATIVE)
    departments = fields.List(fields.Integer(strict=True, validate=ID), load_default=list,
                              validate=validate.Length(max=500))
    rules = fields.List(fields.Nested(RuleSchema), load_default=list, validate=validate.Length(max=50))

    @validates_schema
    def rules_unique(self, data, **kwargs):
        seen = set()
        for rule in data.get("rules") or ():
            key = (rule["kind"], rule.get("level", ""))
            if key in seen:
                raise ValidationError(f"two rules of kind {key[0]} for the same level", "rules")
            seen.add(key)


class PoolReleaseSchema(Schema):
    reason = Trimmed(required=True, validate=validate.Length(min=1, max=1000,
                                                               error="give a reason (1-1000 characters)"))


class PoolAssignSchema(Schema):
    user = fields.Raw(required=True)
    reason = Trimmed(load_default="", validate=validate.Length(max=1000))


class PoolLockSchema(Schema):
    locked = fields.Boolean(required=True)


class PoolMoveSchema(Schema):
    pool = fields.Integer(required=True, strict=True, validate=ID)
