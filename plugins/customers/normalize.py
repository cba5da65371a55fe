"""Text normalisation shared by search and duplicate detection.

* :func:`fold` — NFKC (full-width → half-width), case-folded, only letters and digits kept:
  the form both indexed text and queries are reduced to, so ``ＨＵＡＷＥＩ Co.`` finds
  ``huawei co``.
* :func:`pinyin` — full pinyin and initials of Chinese text (``华为`` → ``huawei``, ``hw``).
  pypinyin's own ``lazy_pinyin`` costs ~60 µs a name; this does a greedy longest match over
  pypinyin's phrase dictionary (so 重庆 is *chongqing* and 银行 *yinhang*) and then its
  character dictionary, at a few µs a name — imports of 10,000 rows a second need that.
* :func:`name_key` — a company name without legal-form suffixes (有限公司, 股份有限公司,
  Co., Ltd. …), spacing or full-width forms, for duplicate detection.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

_MAX_PHRASE = 6
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Legal forms dropped from the end of a name for duplicate detection (longest first).
_LEGAL_FORMS_ZH = (
    "集团股份有限公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "有限合伙",
    "总公司",
    "公司",
)
_LEGAL_FORM_EN = re.compile(
    r"(?:[\s,.]|^)(?:co\.?,?\s*ltd|company\s+limited|co\.?,?\s*limited|limited|ltd|incorporated|inc"
    r"|corporation|corp|company|co|llc|gmbh|plc|llp|s\.?a\.?r\.?l|s\.?a|ag|b\.?v)[\s.,]*$"
)


def fold(text: str | None) -> str:
    """``text`` in NFKC, case-folded, with everything but letters and digits removed."""
    if not text:
        return ""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@lru_cache(maxsize=4096)
def _syllable(toned: str) -> str:
    """``lǜ`` → ``lv``, ``zhòng`` → ``zhong`` (pypinyin's NORMAL style, ü written v)."""
    plain = toned.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v").replace("ǚ", "v")
    plain = plain.replace("ǜ", "v")
    decomposed = unicodedata.normalize("NFD", plain)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _char_syllable(ch: str) -> str | None:
    readings = PINYIN_DICT.get(ord(ch))
    if not readings:
        return None
    return _syllable(readings.split(",", 1)[0])


def syllables(text: str) -> list[str]:
    """Pinyin syllables of ``text`` (non-Chinese runs pass through folded, as one item)."""
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    run: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ord(ch) not in PINYIN_DICT:
            run.append(ch)
            i += 1
            continue
        if run:
            out.append(fold("".join(run)))
            run = []
        for size in range(min(_MAX_PHRASE, n - i), 1, -1):
            phrase = PHRASES_DICT.get(text[i : i + size])
            if phrase is not None:
                out.extend(_syllable(p[0]) for p in phrase)
                i += size
                break
        else:
            out.append(_char_syllable(ch) or "")
            i += 1
    if run:
        out.append(fold("".join(run)))
    return [s for s in out if s]


def pinyin(text: str | None) -> tuple[str, str]:
    """``(full, initials)`` of the Chinese in ``text``; both empty when it has none.

    Latin letters and digits between Chinese characters are kept in both forms, so
    ``3M中国`` gives ``3mzhongguo`` and ``3mzg``.
    """
    if not text or not has_cjk(text):
        return "", ""
    parts = syllables(text)
    full = "".join(parts)
    initials = "".join(p if not p.isalpha() or not _is_syllable(p) else p[0] for p in parts)
    return full, initials


@lru_cache(maxsize=4096)
def _is_syllable(part: str) -> bool:
    return part.isascii() and part.isalpha() and len(part) <= 6


def _may_end_in_latin_form(text: str) -> bool:
    """Whether ``_LEGAL_FORM_EN`` can match ``text``: its match ends the text with a letter
    and then only spaces, dots and commas. (Most Chinese names end in a character or a
    digit; skipping the search for them halves the cost of a key, which imports pay per row.)"""
    last = text[-1]
    return "a" <= last <= "z" or last in ".," or last.isspace()


def name_key(name: str | None) -> str:
    """The company name reduced for duplicate detection.

    ``深圳市华为技术有限公司``, ``深圳市 华为技术股份有限公司`` and ``深圳市华为技术`` share a key;
    so do ``Acme Co., Ltd.``, ``ACME Ltd`` and ``Ａｃｍｅ``. Only trailing legal forms are
    removed, repeatedly, and only as whole words (``Disco`` keeps its *co*).
    """
    text = unicodedata.normalize("NFKC", name or "").casefold().strip()
    changed = True
    while changed and text:
        changed = False
        stripped = (_LEGAL_FORM_EN.sub("", text) if _may_end_in_latin_form(text) else text).rstrip(" ,.-")
        for suffix in _LEGAL_FORMS_ZH:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                stripped = stripped[: -len(suffix)].rstrip()
                break
        if stripped and stripped != text:
            text, changed = stripped, True
    return fold(text)


_NON_DIGIT = re.compile(r"[^0-9]+")


def digits(text: str | None) -> str:
    """Only the digits of a phone number (``+86 138-0013-8000`` → ``8613800138000``; full-width
    digits count)."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _NON_DIGIT.sub("", text)


def phone_key(text: str | None) -> str:
    """A phone number for duplicate detection: digits, in the domestic form for China
    (``+86 21 5000 1111`` and ``021-5000 1111`` agree; so do ``+86 138…`` and ``138…``)."""
    number = digits(text)
    for prefix in ("0086", "86"):
        rest = number[len(prefix) :]
        if number.startswith(prefix) and len(rest) >= 9:
            mobile = len(rest) == 11 and rest.startswith("1")
            return rest if mobile or rest.startswith("0") else "0" + rest  # 010 Beijing: +86 10 …
    return number


def email_key(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold()
