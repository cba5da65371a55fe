"""Hook specifications: everything a plugin can contribute to Xietong CRM.

Every hook receives ``kernel`` (the application's :class:`core.kernel.Kernel`), so a plugin
never reaches for globals. Hooks in the first group are called once, when the app starts,
for every healthy installed plugin. Hooks in the second group are called per request and
only reach the plugins the current tenant has enabled (``kernel.hooks`` for the tenant).
The full reference with examples is ``docs/hooks.md``; a test fails when a hook here is not
documented there or not exercised by a test plugin.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "xietong"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# -------------------------------------------------------------------------------------------
# Start-up: structure. Called once per app for each healthy plugin.
# -------------------------------------------------------------------------------------------


@hookspec
def crm_entity_types(kernel):
    """Declare the record types this plugin owns.

    :param kernel: the application kernel.
    :return: a list of :class:`core.contrib.EntityType` (key, labels, model, actions and the
        built-in roles' default rights). Entity keys are unique across plugins; the access
        rights matrix, record rules, audit log and trash are all keyed by them.
    """


@hookspec
def crm_models(kernel):
    """List the peewee models (tables) this plugin owns in each tenant's database.

    :param kernel: the application kernel.
    :return: a list of :class:`core.db.TenantModel` subclasses whose table names start with
        the plugin's name. Tables are created and changed only by the plugin's migrations;
        this list is used for introspection (``xietong plugins -v``), trash and tests.
    """


@hookspec
def crm_migrations(kernel):
    """Name the package that holds this plugin's numbered migrations.

    :param kernel: the application kernel.
    :return: a dotted package path (e.g. ``"plugins.funnel.migrations"``) whose modules are
        named ``0001_initial.py``, ``0002_…`` and define ``upgrade(ctx)``; ``ctx`` is a
        :class:`core.migrations.MigrationContext`. Each tenant keeps its own history per
        plugin; a failing step rolls that tenant back.
    """


@hookspec
def crm_blueprints(kernel):
    """Give the Flask blueprints (pages and API endpoints) of this plugin.

    :param kernel: the application kernel.
    :return: a list of :class:`flask.Blueprint`. Each is mounted under ``/t/<tenant>`` plus
        its own ``url_prefix`` (API blueprints use ``/api/v1``). Every route of a plugin that a
        tenant has not enabled answers 404 there.
    """


@hookspec
def crm_cli_commands(kernel):
    """Add commands to the ``xietong`` command line.

    :param kernel: the application kernel.
    :return: a list of :class:`click.Command` (or groups). They run inside an application
        context; use ``kernel.tenant_context(slug)`` to work in a tenant.
    """


@hookspec
def crm_tasks(kernel):
    """Declare background tasks that code can enqueue by name.

    :param kernel: the application kernel.
    :return: a list of :class:`core.contrib.Task`. ``kernel.enqueue(name, tenant=slug, **kw)``
        runs the task on the task queue inside that tenant's context.
    """


@hookspec
def crm_periodic_tasks(kernel):
    """Declare tasks that run on a schedule (reminders, alerts, automatic returns).

    :param kernel: the application kernel.
    :return: a list of :class:`core.contrib.PeriodicTask` with a crontab schedule. The worker
        runs each once per tenant that has the plugin enabled.
    """


@hookspec
def crm_signal_receivers(kernel):
    """Connect receivers to blinker signals (this plugin's or another's).

    :param kernel: the application kernel.
    :return: a list of ``(signal, receiver)`` pairs. A receiver runs only for tenants that have
        this plugin enabled and only for signals sent within this app.
    """


@hookspec
def crm_module_enabled(kernel, tenant):
    """React after this plugin has been enabled (and migrated) for a tenant, and after every
    ``xietong migrate`` of a tenant that has it enabled (so defaults a newer version brings
    reach existing tenants).

    :param kernel: the application kernel.
    :param tenant: the :class:`core.tenancy.TenantRuntime`, already the current tenant.
    :return: nothing. Use it to seed defaults (stages, types) that a fresh tenant needs; it must
        be idempotent, since a module can be disabled and enabled again and every upgrade
        calls it.
    """


# -------------------------------------------------------------------------------------------
# Per request: contributions and decisions. Only the current tenant's enabled plugins answer.
# -------------------------------------------------------------------------------------------


@hookspec
def crm_menu_items(kernel, user):
    """Contribute entries to the navigation.

    :param kernel: the application kernel.
    :param user: the signed-in user.
    :return: a list of :class:`core.contrib.MenuItem`; items whose ``permission`` the user lacks
        are dropped by the kernel.
    """


@hookspec
def crm_record_tabs(kernel, entity, record, user):
    """Contribute tabs to a record page (a customer's deals, expenses, mail …).

    :param kernel: the application kernel.
    :param entity: the entity key of the record (``"customer"``, ``"deal"`` …).
    :param record: the record, already checked as visible to ``user``.
    :param user: the signed-in user.
    :return: a list of :class:`core.contrib.RecordTab`, or None when this plugin has no tab for
        that entity. Tabs load lazily, so build no data here beyond a cheap count.
    """


@hookspec
def crm_dashboard_widgets(kernel, user):
    """Offer widgets for the company and personal desktops.

    :param kernel: the application kernel.
    :param user: the user the desktop is for.
    :return: a list of :class:`core.contrib.Widget` (key, titles, size, permission and a data
        function). Widgets whose permission the user lacks never appear.
    """


@hookspec
def crm_permission_check(kernel, user, action, entity, record):
    """Decide whether ``user`` may do ``action`` on one ``record`` of ``entity``.

    :param kernel: the application kernel.
    :param user: the acting user.
    :param action: ``"read"``, ``"create"``, ``"write"``, ``"delete"``, ``"export"`` or a
        plugin's own action.
    :param entity: the entity key.
    :param record: the record, or None for a check on the entity as a whole.
    :return: False to veto, True to allow, None to abstain. Answers combine by veto: any False
        denies, else any True allows, else the action is denied.
    """


@hookspec
def crm_permission_filter(kernel, user, action, entity, model):
    """Give the list form of a record rule: which rows of ``model`` ``user`` may see.

    :param kernel: the application kernel.
    :param user: the acting user.
    :param action: usually ``"read"``.
    :param entity: the entity key.
    :param model: the peewee model being listed.
    :return: a :class:`core.contrib.RowFilter` or None to abstain. ``allow`` expressions of all
        plugins are ORed (rows a rule grants, like a ``True`` check: own records, shared with
        me), ``restrict`` expressions are ANDed (rows every list must stay within, like a
        ``False`` veto: hidden categories). With no ``allow`` at all the list is empty. List
        views stay one query with no per-row hook calls. Keep it consistent with
        ``crm_permission_check``: both are tested on every path.
    """


@hookspec
def crm_field_rules(kernel, user, entity):
    """Hide or mask fields of ``entity`` for ``user`` (contact phones hidden from some roles).

    :param kernel: the application kernel.
    :param user: the acting user.
    :param entity: the entity key.
    :return: a dict ``{field: "hide" | "mask"}`` or None. The strictest answer wins; the kernel
        applies it to detail pages, lists, exports and API responses alike.
    """


# -------------------------------------------------------------------------------------------
# Command line set-up. Called for the tenant being set up, in dependency order.
# -------------------------------------------------------------------------------------------


@hookspec
def crm_init(kernel, tenant, admin, password, demo):
    """Finish ``xietong init`` for the default tenant.

    :param kernel: the application kernel.
    :param tenant: the tenant slug (``default``).
    :param admin: the admin user name given with ``--admin``, or None.
    :param password: the password read with ``--password-stdin``, or None.
    :param demo: True when ``--demo`` was given.
    :return: one line to print, or None. Must be idempotent: ``init`` may run many times.
    """


@hookspec
def crm_demo_data(kernel, tenant, counts, progress):
    """Fill a tenant with realistic demo data for this plugin's module.

    :param kernel: the application kernel, inside the tenant's context.
    :param tenant: the tenant slug.
    :param counts: how many of each thing were asked for, e.g. ``{"customers": 200,
        "deals": 400}``; a plugin reads the keys it knows.
    :param progress: ``progress(label, total)`` returns a context manager with
        ``update(n)`` that draws a progress bar on the terminal.
    :return: one line summarising what was created, or None.
    """
