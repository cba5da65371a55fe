"""Realistic Chinese and English company and person data, for ``xietong demo`` and the
benchmarks' data generator. Deterministic for a given ``random.Random`` seed."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

REGIONS = {
    "北京": ["北京"],
    "上海": ["上海"],
    "天津": ["天津"],
    "重庆": ["重庆"],
    "广东": ["广州", "深圳", "东莞", "佛山", "珠海"],
    "浙江": ["杭州", "宁波", "温州", "嘉兴"],
    "江苏": ["南京", "苏州", "无锡", "常州"],
    "山东": ["济南", "青岛", "烟台"],
    "四川": ["成都", "绵阳"],
    "湖北": ["武汉", "宜昌"],
    "湖南": ["长沙", "株洲"],
    "福建": ["福州", "厦门", "泉州"],
    "河南": ["郑州", "洛阳"],
    "陕西": ["西安"],
    "辽宁": ["沈阳", "大连"],
    "安徽": ["合肥", "芜湖"],
}
REGIONS_EN = [
    "Singapore",
    "Hong Kong",
    "California",
    "Bavaria",
    "Ontario",
    "New South Wales",
    "England",
    "Île-de-France",
    "Tokyo",
    "Seoul",
]
BRANDS = [
    "华为",
    "华信",
    "恒通",
    "鼎盛",
    "金桥",
    "宏达",
    "天宇",
    "瑞丰",
    "中科",
    "远航",
    "新世纪",
    "长城",
    "东方",
    "博远",
    "蓝海",
    "泰和",
    "锦程",
    "立信",
    "安居",
    "佳禾",
    "明阳",
    "永盛",
    "海天",
    "星辰",
    "汇丰",
    "正大",
    "九州",
    "盛世",
    "同创",
    "启明",
    "银河",
    "凯旋",
    "信达",
    "万象",
    "德润",
    "华夏",
    "合众",
    "百川",
    "协同",
    "致远",
    "青云",
    "嘉和",
    "润泽",
    "宝利",
    "联创",
    "晨光",
    "方正",
    "伟业",
]
TRADES = [
    "科技",
    "信息技术",
    "电子",
    "软件",
    "网络科技",
    "贸易",
    "商贸",
    "实业",
    "机械设备",
    "建材",
    "化工",
    "医药",
    "生物科技",
    "食品",
    "物流",
    "文化传媒",
    "广告",
    "咨询",
    "教育科技",
    "新能源",
    "汽车配件",
    "纺织",
    "服饰",
    "家具",
    "环保科技",
    "电气",
    "精密制造",
    "农业发展",
    "餐饮管理",
]
LEGAL_ZH = ["有限公司"] * 6 + ["股份有限公司"] * 2 + ["有限责任公司", "集团有限公司"]
EN_FIRST = [
    "Northwind",
    "Blue Harbor",
    "Silverline",
    "Greenfield",
    "Redwood",
    "Summit",
    "Brightstar",
    "Oakridge",
    "Pioneer",
    "Crescent",
    "Evergreen",
    "Ironbridge",
    "Lakeside",
    "Golden Gate",
    "Maple",
    "Horizon",
    "Atlas",
    "Sterling",
    "Cobalt",
    "Vertex",
]
EN_TRADE = [
    "Trading",
    "Technologies",
    "Logistics",
    "Foods",
    "Electronics",
    "Industrial",
    "Consulting",
    "Medical",
    "Software",
    "Packaging",
    "Textiles",
    "Energy",
]
LEGAL_EN = ["Co., Ltd.", "Ltd.", "Inc.", "LLC", "GmbH", "Pte. Ltd.", "Corporation"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯")
EN_GIVEN = [
    "James",
    "Mary",
    "John",
    "Linda",
    "David",
    "Susan",
    "Michael",
    "Karen",
    "Peter",
    "Emma",
    "Oliver",
    "Sophie",
    "Daniel",
    "Grace",
    "Lucas",
    "Chloe",
    "Ethan",
    "Hannah",
]
EN_FAMILY = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Miller",
    "Wilson",
    "Moore",
    "Clark",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
]
TITLES_ZH = [
    "总经理",
    "副总经理",
    "采购经理",
    "技术总监",
    "财务主管",
    "销售经理",
    "行政主管",
    "董事长",
    "项目经理",
    "工程师",
    "采购专员",
    "市场总监",
]
TITLES_EN = [
    "CEO",
    "Purchasing Manager",
    "CTO",
    "Finance Director",
    "Sales Manager",
    "Operations Manager",
    "Project Lead",
    "Engineer",
]
HOBBIES = [
    "高尔夫",
    "钓鱼",
    "茶道",
    "书法",
    "摄影",
    "跑步",
    "羽毛球",
    "登山",
    "围棋",
    "红酒",
    "golf",
    "tennis",
    "sailing",
    "jazz",
    "cycling",
]
STREETS = ["人民路", "中山路", "解放大道", "建设路", "科技园南区", "高新大道", "滨江路", "长江路"]
DOMAINS = ["example.com", "example.cn", "example.net", "mail.example.org"]


@dataclass
class FakeCompany:
    name: str
    region: str
    city: str
    phone: str
    email: str
    address: str
    english: bool


@dataclass
class FakePerson:
    name: str
    title: str
    mobile: str
    phone: str
    email: str
    birthday: dt.date | None
    hobbies: str


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _landline(rng: random.Random) -> str:
    return f"0{rng.randrange(10, 999):d}-{rng.randrange(10**7, 10**8):d}"


def company(rng: random.Random, english_share: float = 0.15) -> FakeCompany:
    """One company; about ``english_share`` of them have English names."""
    slug = f"c{rng.randrange(10**8):08d}"
    if rng.random() < english_share:
        name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_TRADE)} {rng.choice(LEGAL_EN)}"
        region = rng.choice(REGIONS_EN)
        return FakeCompany(
            name=name,
            region=region,
            city=region,
            phone=f"+{rng.randrange(1, 99)} {rng.randrange(10**7, 10**9)}",
            email=f"info@{slug}.{rng.choice(DOMAINS)}",
            address=f"{rng.randrange(1, 999)} {rng.choice(EN_FIRST)} Street, {region}",
            english=True,
        )
    province = rng.choice(list(REGIONS))
    city = rng.choice(REGIONS[province])
    prefix = city + ("市" if rng.random() < 0.5 else "")
    name = f"{prefix}{rng.choice(BRANDS)}{rng.choice(TRADES)}{rng.choice(LEGAL_ZH)}"
    return FakeCompany(
        name=name,
        region=province,
        city=city,
        phone=_landline(rng),
        email=f"contact@{slug}.{rng.choice(DOMAINS)}",
        address=f"{city}{rng.choice(STREETS)}{rng.randrange(1, 999)}号",
        english=False,
    )


def person(rng: random.Random, english: bool = False) -> FakePerson:
    """One contact person with a birthday (most of the time) and a hobby."""
    if english:
        name = f"{rng.choice(EN_GIVEN)} {rng.choice(EN_FAMILY)}"
        title = rng.choice(TITLES_EN)
        email = f"{name.lower().replace(' ', '.')}{rng.randrange(100)}@{rng.choice(DOMAINS)}"
    else:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        title = rng.choice(TITLES_ZH)
        email = f"u{rng.randrange(10**7):07d}@{rng.choice(DOMAINS)}"
    birthday = None
    if rng.random() < 0.8:
        birthday = dt.date(rng.randrange(1960, 2000), 1, 1) + dt.timedelta(days=rng.randrange(365))
    return FakePerson(
        name=name,
        title=title,
        mobile=_mobile(rng),
        phone=_landline(rng),
        email=email,
        birthday=birthday,
        hobbies=rng.choice(HOBBIES),
    )
