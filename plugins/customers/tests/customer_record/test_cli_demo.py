"""``xietong demo`` (realistic customers with a progress bar), ``xietong customers import``
and ``xietong customers reindex``."""

from __future__ import annotations

from click.testing import CliRunner

from core.cli import main


def run(kernel, *args: str):
    return CliRunner().invoke(main, list(args), obj=kernel, catch_exceptions=False)


def test_demo_data_is_realistic_and_searchable(world):
    result = run(world.kernel, "demo", "--tenant", world.tenant, "--customers", "60", "--deals", "0")
    assert result.exit_code == 0, result.output
    assert "customers: 60 customers with" in result.output
    with world.acting("boss") as boss:
        from plugins.customers import search
        from plugins.customers.models import Category, Contact, Customer, CustomField

        customers = list(Customer.select())
        assert len(customers) == 60
        assert any(c.name.endswith("有限公司") for c in customers)
        assert Contact.select().count() >= 60 and Category.select().count() >= 4
        assert CustomField.select().where(CustomField.key == "industry").exists()
        owners = {c.owner_id for c in customers}
        assert len(owners) >= 2  # spread over the salespeople
        sample = next(c for c in customers if "有限公司" in c.name and not c.name.isascii())
        from plugins.customers.normalize import pinyin

        initials = pinyin(sample.name)[1][:4]
        assert sample.id in {c.id for c in search.search(boss, initials, 100)}
    # running it again adds customers, reusing categories and fields
    assert (
        run(world.kernel, "demo", "--tenant", world.tenant, "--customers", "5", "--deals", "0").exit_code == 0
    )
    with world.acting("boss"):
        assert Customer.select().count() == 65 and CustomField.select().count() == 5


def test_import_and_reindex_commands(world, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("名称,电话\n命令行导入有限公司,010-88886666\n", encoding="utf-8-sig")
    result = run(world.kernel, "customers", "import", "--tenant", world.tenant, "--user", "sam", str(good))
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 skipped" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,邮箱\n坏的,not-mail\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["customers", "import", "--tenant", world.tenant, "--user", "sam", str(bad)], obj=world.kernel
    )
    assert result.exit_code == 1 and "row 2: email" in result.output
    result = CliRunner().invoke(
        main,
        ["customers", "import", "--tenant", world.tenant, "--user", "ghost", str(good)],
        obj=world.kernel,
    )
    assert result.exit_code == 2
    result = run(world.kernel, "customers", "reindex", "--tenant", world.tenant)
    assert result.exit_code == 0 and "reindexed 1 customer(s)" in result.output


def test_a_big_import_from_the_command_line_is_searchable_when_the_command_ends(world, tmp_path, monkeypatch):
    from plugins.customers import search_backlog

    monkeypatch.setattr(search_backlog, "INDEX_NOW_MAX", 1)
    sheet = tmp_path / "big.csv"
    sheet.write_text("名称\n命令行大批一号\n命令行大批二号\n命令行大批三号\n", encoding="utf-8")
    result = run(world.kernel, "customers", "import", "--tenant", world.tenant, "--user", "sam", str(sheet))
    assert result.exit_code == 0 and "3 created" in result.output
    assert "search index: 3 customer(s)" in result.output  # no worker needed
    found = world.client.get(world.url("/customers/search"), query_string={"q": "大批"},
                             headers=world.h["sam"])
    assert len(found.get_json()["items"]) == 3
