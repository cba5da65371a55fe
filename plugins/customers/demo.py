"""``xietong demo``: realistic customers — Chinese and English company names, regions, a
category tree, custom fields, one to three contacts each with birthdays and hobbies, and a
few notes and transaction memos. Safe to run again (categories and fields are reused)."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

from core.identity.models import Role, User, utcnow
from plugins.customers import fakedata, normalize, search
from plugins.customers.models import Category, Contact, Customer, CustomField, Note, Transaction

CATEGORIES = {
    "重点客户": ["制造业", "互联网"],
    "普通客户": ["贸易", "服务业"],
    "潜在客户": [],
    "海外客户": [],
}
FIELDS = (
    ("industry", "Industry", "行业", "choice", ["制造", "互联网", "贸易", "医疗", "教育", "能源"]),
    ("employees", "Employees", "员工人数", "number", []),
    ("annual_revenue", "Annual revenue (10k CNY)", "年营业额(万元)", "decimal", []),
    ("website", "Website", "网址", "url", []),
    ("source", "Source", "客户来源", "choice", ["展会", "转介绍", "网络", "电话营销"]),
)
DEMO_USERS = (("zhangwei", "张伟"), ("lina", "李娜"), ("wangfang", "王芳"))


def _categories() -> list[int]:
    ids = []
    for top, children in CATEGORIES.items():
        parent, _ = Category.get_or_create(name=top, parent=None)
        ids.append(parent.id)
        for child in children:
            row, _ = Category.get_or_create(name=child, parent=parent.id)
            ids.append(row.id)
    return ids


def _fields() -> None:
    for position, (key, label, label_zh, kind, choices) in enumerate(FIELDS, start=1):
        CustomField.get_or_create(
            key=key,
            defaults={
                "label": label,
                "label_zh": label_zh,
                "type": kind,
                "choices": choices,
                "position": position,
            },
        )


def _owners() -> list[int]:
    from core.identity.services import create_user, ensure_builtin_roles

    ensure_builtin_roles()
    sales = Role.get(Role.key == "sales")
    users = [u.id for u in User.select().where((User.role == sales) & (User.active == True))]  # noqa: E712
    if not users:
        users = [create_user(name, role="sales", display_name=shown).id for name, shown in DEMO_USERS]
    return users


def make_demo(count: int, progress: Any, seed: int = 2005) -> str:
    """Create ``count`` customers with contacts; returns one line for the terminal."""
    if count <= 0:
        return "customers: nothing asked for"
    rng = random.Random(seed + Customer.select().count())
    categories, owners = _categories(), _owners()
    _fields()
    db = Customer._meta.database
    made = people = 0
    with progress("customers", count) as bar:
        for start in range(0, count, 500):
            size = min(500, count - start)
            with db.atomic():
                made_now, people_now = _batch(rng, size, categories, owners)
            made, people = made + made_now, people + people_now
            bar.update(size)
    return f"customers: {made} customers with {people} contacts"


def _batch(rng: random.Random, size: int, categories: list[int], owners: list[int]) -> tuple[int, int]:
    now = utcnow()
    docs: dict[int, dict[str, str]] = {}
    contacts = 0
    for _ in range(size):
        company = fakedata.company(rng)
        custom = {
            "industry": rng.choice(FIELDS[0][4]),
            "employees": rng.randrange(5, 5000),
            "annual_revenue": str(Decimal(rng.randrange(10_000, 5_000_000)) / 100),
            "source": rng.choice(FIELDS[4][4]),
        }
        if company.english:
            custom["website"] = f"https://www.{company.email.split('@')[1]}"
        created = now - dt.timedelta(days=rng.randrange(0, 900), minutes=rng.randrange(1440))
        customer = Customer.insert(
            name=company.name,
            name_key=normalize.name_key(company.name),
            phone=company.phone,
            phone_key=normalize.phone_key(company.phone),
            email=company.email,
            email_key=normalize.email_key(company.email),
            address=company.address,
            region=company.region,
            category=rng.choice(categories) if not company.english else categories[-1],
            owner=rng.choice(owners),
            custom=json.loads(json.dumps(custom)),
            profile=f"<p>{company.name}成立于{rng.randrange(1990, 2020)}年，主营{company.city}地区业务。</p>",
            created_at=created,
            updated_at=created + dt.timedelta(days=rng.randrange(0, 60)),
        ).execute()
        people = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            person = fakedata.person(rng, company.english)
            Contact.insert(
                customer=customer,
                name=person.name,
                title=person.title,
                mobile=person.mobile,
                phone=person.phone,
                email=person.email,
                birthday=person.birthday,
                birthday_md=person.birthday.strftime("%m-%d") if person.birthday else "",
                hobbies=person.hobbies,
                created_at=created,
                updated_at=created,
            ).execute()
            people.append((person.name, person.mobile, person.phone, person.email))
        contacts += len(people)
        if rng.random() < 0.3:
            Note.insert(
                customer=customer,
                author=rng.choice(owners),
                body=rng.choice(
                    [
                        "客户对报价有疑问，下周再跟进。",
                        "已寄送样品，等待反馈。",
                        "Met the CTO, keen on a pilot.",
                        "年底有预算，重点跟进。",
                    ]
                ),
                mentions=[],
                created_at=created,
            ).execute()
        if rng.random() < 0.3:
            Transaction.insert(
                customer=customer,
                date=created.date(),
                kind=rng.choice(("order", "payment")),
                memo=rng.choice(["首批订单", "预付款", "Framework agreement", "二期项目"]),
                amount=Decimal(rng.randrange(10_000, 2_000_000)) / 100,
                author=rng.choice(owners),
                created_at=created,
            ).execute()
        docs[customer] = search.document(company.name, company.phone, company.email, people)
    search.write(docs, fresh=True)
    return size, contacts
