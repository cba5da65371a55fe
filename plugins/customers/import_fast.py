"""The import's fast lane: one generated function per import that reads a row whose every cell
is valid straight into the values the general path (:meth:`Importer._parse`) would give.

It answers None at the first thing it does not handle: a missing required value, a cell the
field refuses, a category or owner it does not know, a neutralised formula (``'=…``), a short
row. The general path then reads that row again and says what is wrong, with the schema's own
messages; so the fast lane only has to agree with it on valid rows, which
``test_import_fast.py`` checks. (Reading rows was the largest part of an import's Python time:
the general path builds three dictionaries and loops over every field of every row, and
calls a function per cell; the fast lane is straight-line code with the checks inlined.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import ValidationError

from plugins.customers.schemas import CONTROL

Parsed = tuple[dict[str, Any], dict[str, Any], dict[str, str]]


def _value_lines(
    env: dict[str, Any], tag: str, out: str, name: str, cell: str, loader: Any
) -> list[str]:
    """Code that checks the stripped, non-empty cell ``cell`` with ``loader``'s field ``name``
    and stores the value in ``out`` (or returns None)."""
    target = loader.targets[name]
    rule = getattr(loader.quick.get(name), "rule", None)
    if rule is not None and rule.allowed is not None:
        env[f"allowed_{tag}"] = rule.allowed
        return [f"        if {cell} not in allowed_{tag}: return None", f"        {out}[{target!r}] = {cell}"]
    if rule is not None:  # the quick check, inlined (the cell is already stripped and not empty)
        refused = [f"not {rule.shortest} <= len({cell}) <= {rule.longest}"]
        if rule.control:
            refused.insert(0, f"CONTROL.search({cell})")
        if rule.pattern is not None:
            env[f"pattern_{tag}"] = rule.pattern
            refused.append(f"not pattern_{tag}.match({cell})")
        return [f"        if {' or '.join(refused)}: return None", f"        {out}[{target!r}] = {cell}"]
    env[f"field_{tag}"] = loader.fields[name]
    return [
        "        try:",
        f"            {out}[{target!r}] = field_{tag}.deserialize({cell}, {name!r}, {{}})",
        "        except ValidationError:",
        "            return None",
    ]


def _absent_lines(env: dict[str, Any], tag: str, out: str, name: str, loader: Any) -> list[str]:
    """Code for a mapped field whose cell is empty: the loader's default, or None if required."""
    if name in loader.required:
        return ["        return None"]
    if name in loader.computed:
        env[f"default_{tag}"] = loader.computed[name]
        return [f"        {out}[{loader.targets[name]!r}] = default_{tag}()"]
    return ["        pass"]


def _record_lines(
    env: dict[str, Any], prefix: str, out: str, cells: list[tuple[int, str]], loader: Any
) -> list[str]:
    """Load the mapped ``cells`` (already stripped into locals) into ``out`` as ``loader.load``
    would: its constants, its computed defaults for unmapped fields, then each cell."""
    env[f"{prefix}_constant"] = loader.constant
    lines = [f"    {out} = {prefix}_constant.copy()"]
    mapped = {name for _, name in cells}
    for n, (name, factory) in enumerate(loader.computed.items()):
        if name not in mapped:
            env[f"{prefix}_default{n}"] = factory
            lines.append(f"    {out}[{loader.targets[name]!r}] = {prefix}_default{n}()")
    for name in loader.required:
        if name not in mapped:
            lines.append("    return None")
            return lines
    for n, (index, name) in enumerate(cells):
        cell, tag = f"v{index}", f"{prefix}{n}"
        lines.append(f"    if {cell}:")
        lines += _value_lines(env, tag, out, name, cell, loader)
        lines.append("    else:")
        lines += _absent_lines(env, tag, out, name, loader)
    return lines


def compile_parse(
    customer_cells: list[tuple[int, str]],
    contact_cells: list[tuple[int, str]],
    ref_cells: list[tuple[int, str]],
    customer_loader: Any,
    contact_loader: Any,
    categories: Mapping[str, int],
    users: Mapping[str, int],
) -> Callable[[list[str]], Parsed | None]:
    """``parse(cells)``: ``(values, contact, refs)`` as :meth:`Importer._parse` gives them for
    a valid row, or None (then ask the general path)."""
    customer_cells = [(i, f) for i, f in customer_cells if f in customer_loader.fields]
    contact_cells = [(i, f) for i, f in contact_cells if f in contact_loader.fields]
    every = [*customer_cells, *contact_cells, *ref_cells]
    env: dict[str, Any] = {
        "ValidationError": ValidationError, "CONTROL": CONTROL, "categories": categories, "users": users
    }
    width = max((i for i, _ in every), default=-1) + 1
    lines = ["def parse(cells):", f"    if len(cells) < {width}: return None"]
    for index in sorted({i for i, _ in every}):
        # An empty cell is no value; a neutralised formula ('=…) is the general path's to unwrap.
        lines.append(f"    v{index} = cells[{index}].strip()")
        lines.append(f"    if v{index}[:1] == \"'\": return None")
    lines += _record_lines(env, "c", "out", customer_cells, customer_loader)
    if contact_cells:
        lines.append(f"    if {' or '.join(f'v{i}' for i, _ in contact_cells)}:")
        lines += ["    " + line for line in _record_lines(env, "p", "person", contact_cells, contact_loader)]
        lines += ["    else:", "        person = {}"]
    else:
        lines.append("    person = {}")
    refs = {f: i for i, f in ref_cells}
    for ref, table in (("category", "categories"), ("owner", "users")):
        if ref in refs:
            cell = f"v{refs[ref]}"
            lines += [
                f"    if {cell}:",
                f"        {ref} = {table}.get({cell}.casefold())",
                f"        if {ref} is None: return None",
                "    else:",
                f"        {ref} = None",
            ]
        else:
            lines.append(f"    {ref} = None")
    lines.append("    out['category_id'], out['owner_id'] = category, owner")
    category_text = f"v{refs['category']}" if "category" in refs else "''"
    owner_text = f"v{refs['owner']}" if "owner" in refs else "''"
    lines.append(f"    return out, person, {{'category': {category_text}, 'owner': {owner_text}}}")
    exec("\n".join(lines), env)  # noqa: S102 - code built above from field names and indexes only
    return env["parse"]
