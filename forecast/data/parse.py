"""Lenient, vectorised parsing of what people paste from reports.

Each parser maps a column of raw text to a typed column; a cell that is not
empty but does not parse comes out null, which ``validate`` reports with its
location. Accepted: thousands separators (in their place), negatives in parentheses, "-" for
none, Thai digits, B.E. years and Thai month names; in KPI numbers also Thai percent
and unit words. Amounts are strict: no unit or percent words and no comma decimals,
because those are where a figure is silently misread by a factor of 10 or a million.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import polars as pl

from forecast import labels
from forecast.data import schema as s
from forecast.data.calendar import BE_OFFSET, MONTH_NAMES
from forecast.data.calendar import READ_EN_MONTHS as _EN_MONTHS

NONE_MARKERS = ("", "-", "–", "—", "n/a", "na", "null", "none", "ไม่มี")  # never "NaN": a broken number
_THAI_DIGITS = {chr(0x0E50 + i): str(i) for i in range(10)}

# Words that decorate a number in a pasted KPI cell: comparators, percent, units.
_DECORATIONS = sorted(
    {w for terms in (s.UNITS, s.COMPARATORS) for t in terms for w in t.spellings() if not re.search(r"\d", w)}
    | {"ร้อยละ", "%", "ประมาณ", "(สะสม)", "สะสม", "พ.ศ.", "ค.ศ.", "ปีงบประมาณ", "fy", "b.e.", "c.e."},
    key=len,
    reverse=True,
)
_DECORATION_RE = "(?i)" + "|".join(re.escape(w) for w in _DECORATIONS)
_NUMBER_RE = r"^\(?[-+]?(\d+\.?\d*|\.\d+)\)?$"
# Thousands separators are accepted only in their place: 1,234,567.5 - never 1,5 or 1,00 (comma decimals).
_GROUPED_RE = r"^\(?[-+]?\d{1,3}(,\d{3})+(\.\d*)?\)?$"
# Words that make an amount ambiguous (which unit?): currencies and percent.
CURRENCY_WORDS = (
    "ล้านบาท",
    "บาท",
    "ลบ.",
    "mthb",
    "thb",
    "baht",
    "amd",
    "usd",
    "eur",
    "$",
    "€",
    "฿",
    "dram",
    "million",
    "ล้าน",
)


# Thai and Lao SARA AM (ำ, ຳ) typed as NIKHAHIT + SARA AA (ํ + า), perhaps with a tone mark between them,
# looks the same but is other text, and Unicode's NFC does not unify the two (only NFKC does, the other way):
# both spellings become the one a keyboard types.
_SARA_AM = (
    ("\u0e4d([\u0e48-\u0e4b])\u0e32", "${1}\u0e33"),
    ("\u0e4d\u0e32", "\u0e33"),
    ("\u0ecd([\u0ec8-\u0ecb])\u0eb2", "${1}\u0eb3"),
    ("\u0ecd\u0eb2", "\u0eb3"),
)


def canonical(raw: pl.Expr) -> pl.Expr:
    """Text in one spelling: NFC, with Thai and Lao SARA AM composed (``_SARA_AM``); at the door, so that two
    cells that look the same are the same (one plan line, one name, one id)."""
    out = raw.cast(pl.String).str.normalize("NFC")
    for pattern, to in _SARA_AM:
        out = out.str.replace_all(pattern, to)
    return out


def canonical_text(text: str) -> str:
    """``canonical`` of one string."""
    out = unicodedata.normalize("NFC", text)
    for pattern, to in _SARA_AM:
        out = re.sub(pattern, to.replace("${1}", "\\1"), out)
    return out


def normalize_text(raw: pl.Expr) -> pl.Expr:
    """Trim, map Thai digits and odd spaces, NFC-normalise (``canonical``); empty becomes null."""
    out = canonical(raw).str.replace_all("[\u00a0\u200b\u2009\ufeff]", " ").str.strip_chars()
    return pl.when(out == "").then(None).otherwise(out)


def is_none(raw: pl.Expr) -> pl.Expr:
    """True where a cell means 'no figure' (empty, '-', 'n/a' ...)."""
    return raw.is_null() | normalize_text(raw).str.to_lowercase().is_in(NONE_MARKERS[1:])


def _digits(text: pl.Expr) -> pl.Expr:
    return text.str.replace_many(list(_THAI_DIGITS), list(_THAI_DIGITS.values()))


def _signed(t: pl.Expr) -> pl.Expr:
    """'(x)' and '−x' become '-x'; anything that is not a plain number becomes null."""
    t = t.str.replace_all("−", "-")
    neg = t.str.starts_with("(") & t.str.ends_with(")")
    t = pl.when(t.str.contains(_NUMBER_RE)).then(t).otherwise(None)
    core = t.str.strip_chars("()")
    return pl.when(neg & ~core.str.starts_with("-")).then("-" + core).otherwise(core)


def _ungrouped(t: pl.Expr) -> pl.Expr:
    """Spaces dropped; commas dropped only where they group thousands (else the cell fails)."""
    t = t.str.replace_all(r"\s", "")
    return (
        pl.when(~t.str.contains(","))
        .then(t)
        .when(t.str.contains(_GROUPED_RE))
        .then(t.str.replace_all(",", ""))
        .otherwise(None)
    )


def _number_text(raw: pl.Expr) -> pl.Expr:
    """Strip decorations, thousands separators and spaces; '(x)' and '−x' become '-x'."""
    t = _digits(normalize_text(raw)).str.replace_all(_DECORATION_RE, "")
    return _signed(_ungrouped(t))


def number(raw: pl.Expr) -> pl.Expr:
    """Float64; None markers give null."""
    return pl.when(is_none(raw)).then(None).otherwise(_number_text(raw).cast(pl.Float64, strict=False))


def money(raw: pl.Expr) -> pl.Expr:
    """Decimal(38, 6) in the store's unit, strictly: digits, a point, grouped thousands, (negatives).

    No unit or percent words, no comma decimals, at most six decimals (never rounded):
    anything else does not parse and ``money_problem`` says why.
    """
    t = _signed(_ungrouped(_digits(normalize_text(raw))))
    t = pl.when(t.str.contains(r"\.\d{7,}$")).then(None).otherwise(t)
    return pl.when(is_none(raw)).then(None).otherwise(t.cast(s.MONEY, strict=False))


def shift_decimal(frame: pl.DataFrame, column: str, places: int) -> pl.DataFrame:
    """``frame`` with the number in each cell of ``column`` given its decimal point moved ``places`` to the right
    (left if negative), as text.

    Exact: the digits are moved, never multiplied in floating point. A cell that is not a plain number
    is left as it is (validation reports it); decorations are not allowed in a converted column. Each step is
    a column of its own, so that no step's expression is repeated in the next (the tree would grow with each).
    """
    t, digits, point = "__shift_text", "__shift_digits", "__shift_point"
    raw = pl.col(column)
    body = pl.col(t).str.strip_prefix("-").str.strip_prefix("+")
    int_part = body.str.extract(r"^(\d*)", 1)
    out = frame.with_columns(_signed(_ungrouped(_digits(normalize_text(raw)))).alias(t))
    out = out.with_columns(
        (int_part + body.str.extract(r"\.(\d*)$", 1).fill_null("")).alias(digits),
        (int_part.str.len_chars() + places).alias(point),  # where the point goes in the digit string
    )
    width = pl.max_horizontal(pl.col(digits).str.len_chars(), pl.col(point))
    padded = (
        pl.when(pl.col(point) < 1)
        .then(pl.lit("0").repeat_by(1 - pl.col(point)).list.join("") + pl.col(digits))
        .otherwise(pl.col(digits))
        .str.pad_end(width, "0")
    )
    out = out.with_columns(padded.alias(digits), pl.max_horizontal(pl.col(point), 1).alias(point))
    whole = pl.col(digits).str.slice(0, pl.col(point)).str.strip_chars_start("0")
    fraction = pl.col(digits).str.slice(pl.col(point)).str.strip_chars_end("0")
    moved = pl.when(whole == "").then(pl.lit("0")).otherwise(whole) + pl.when(fraction == "").then(
        pl.lit("")
    ).otherwise("." + fraction)
    moved = pl.when(pl.col(t).str.starts_with("-")).then("-" + moved).otherwise(moved)
    shifted = pl.when(pl.col(t).is_null()).then(raw.cast(pl.String)).otherwise(moved)
    return out.with_columns(shifted.alias(column)).drop(t, digits, point)


def say(key: str, lang: str, **parts: pl.Expr | object) -> pl.Expr:
    """The catalogue's words for ``key`` in ``lang`` as an expression, its ``{name}`` fields filled by ``parts``
    (an expression gives each row its own, a constant is written in)."""
    text = labels.t(key, lang)
    exprs: dict[str, pl.Expr] = {}
    for name, part in parts.items():
        if isinstance(part, pl.Expr):
            exprs[name] = part
        else:
            text = text.replace(f"{{{name}}}", str(part))
    pieces = re.split(r"\{(\w+)\}", text)
    if len(pieces) == 1:
        return pl.lit(text)
    return pl.format("{}".join(pieces[::2]), *(exprs[n] for n in pieces[1::2]))


def money_problem(raw: pl.Expr, lang: str = "en") -> pl.Expr:
    """Why a money cell did not parse, in words (null when the reason is only 'not a number')."""
    t = _digits(normalize_text(raw)).str.to_lowercase()
    bare = t.str.replace_all(r"\s", "")
    numeric = bare.str.contains(r"^\(?[-+−]?[\d,]*\.?\d*\)?$")
    return (
        pl.when(t.str.contains("%") | t.str.contains("ร้อยละ"))
        .then(say("why_percent", lang))
        .when(pl.any_horizontal(t.str.contains(w, literal=True) for w in CURRENCY_WORDS))
        .then(say("why_currency_word", lang))
        .when(
            numeric & (bare.str.contains(r"^\(?[-+−]?\d+,\d{1,2}\)?$") | bare.str.contains(r"^\(?[-+−]?\d+,\d{4,}\)?$"))
        )
        .then(say("why_comma_decimal", lang))
        .when(numeric & bare.str.contains(r"\d,\d") & ~bare.str.contains(_GROUPED_RE))
        .then(say("why_grouping", lang))
        .when(numeric & bare.str.contains(r"\.\d{7,}\)?$"))
        .then(say("why_decimals", lang, n=s.MONEY_DECIMALS))
        .otherwise(None)
    )


def identifier(raw: pl.Expr) -> pl.Expr:
    """Any text of 1-128 characters, case kept, without control characters or leading/trailing spaces, in one
    script and without look-alike characters (``id_problem``)."""
    t = canonical(raw)
    bad = (
        t.str.contains(r"[\p{Cc}\p{Cf}]")
        | (t != t.str.strip_chars())
        | (t.str.len_chars() > s.ID_MAX)
        | (t.str.len_chars() == 0)
    )
    return pl.when(bad).then(None).otherwise(t).map_batches(_one_script, return_dtype=pl.String)


# Scripts of letters, by the first word of their Unicode names ("CYRILLIC SMALL LETTER I" -> CYRILLIC); the
# ideographic scripts of one language are one group. Mixing is refused as in Unicode's "moderately restrictive"
# profile (UTS #39): one script, or Latin with one other that is not Greek or Cyrillic (Thai project codes such
# as "โครงการ-A1" pass, "etda-digital-іd" with a Cyrillic і does not).
_CJK = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "HANGUL": "HAN", "BOPOMOFO": "HAN", "IDEOGRAPHIC": "HAN"}
_NOT_A_SCRIPT = {"MODIFIER", "LETTERLIKE", "SMALL", "FEMININE", "MASCULINE"}
_LOOK_ALIKES_OF_LATIN = {"GREEK", "CYRILLIC"}
_COMPOSED = {"\u0e33", "\u0eb3"}  # SARA AM: changed by NFKC, but the spelling we keep (``canonical``)


def _script(ch: str) -> str | None:
    if not unicodedata.category(ch).startswith("L"):
        return None  # digits, punctuation, symbols and marks belong to every script
    word = unicodedata.name(ch, "").split(" ", 1)[0]
    return None if not word or word in _NOT_A_SCRIPT else _CJK.get(word, word)


def _char(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED')} ('{ch}')"


@functools.lru_cache(maxsize=4096)
def id_problem(text: str | None) -> str | None:
    """Why an id is refused although its characters are allowed, naming them (code point and name): a
    look-alike (compatibility) character such as a fullwidth 'ｅ', or letters of two scripts that are not
    meant to mix, such as a Cyrillic 'і' among Latin letters. None when it is fine."""
    if text is None or text.isascii():
        return None
    text = canonical_text(text)
    odd = [ch for ch in dict.fromkeys(text) if ch not in _COMPOSED and unicodedata.normalize("NFKC", ch) != ch]
    if odd:
        return (
            "look-alike characters: "
            + "; ".join(f"{_char(ch)} stands for '{unicodedata.normalize('NFKC', ch)}'" for ch in odd[:5])
            + "; type the plain characters"
        )
    letters: dict[str, list[str]] = {}
    for ch in text:
        script = _script(ch)
        if script is not None:
            letters.setdefault(script, []).append(ch)
    scripts = set(letters)
    if len(scripts) < 2 or (len(scripts) == 2 and "LATIN" in scripts and not scripts & _LOOK_ALIKES_OF_LATIN):
        return None
    main = max(letters, key=lambda k: (len(letters[k]), k == "LATIN"))
    others = [ch for k, chars in letters.items() if k != main for ch in dict.fromkeys(chars)]
    return (
        f"letters of {' and '.join(sorted(k.title() for k in scripts))} mixed: "
        + ", ".join(_char(ch) for ch in others[:5])
        + f" among {main.title()} letters; an id that looks the same would be another id — type it in one script"
    )


def _one_script(ids: pl.Series) -> pl.Series:
    """``ids`` with those ``id_problem`` refuses made null (checked once per distinct non-ASCII id)."""
    odd = ids.filter(~ids.str.contains(r"^[\x00-\x7f]*$").fill_null(True)).unique()
    bad = [v for v in odd.to_list() if id_problem(v) is not None]
    return ids if not bad else ids.set(ids.is_in(bad).fill_null(False), None)


def identifier_problem(raw: pl.Expr) -> pl.Expr:
    """``id_problem`` of each cell (null where there is none)."""
    return raw.cast(pl.String).map_elements(id_problem, return_dtype=pl.String, skip_nulls=True)


# Bidirectional overrides and isolates can make a name display as something else ('gnp.exe' as 'exe.png').
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def name(raw: pl.Expr) -> pl.Expr:
    """Text of at most 300 characters without control or bidirectional-override characters."""
    t = normalize_text(raw)
    bad = t.str.contains(r"[\p{Cc}" + BIDI_CONTROLS + "]") | (t.str.len_chars() > s.NAME_MAX)
    return pl.when(bad).then(None).otherwise(t)


def integer(raw: pl.Expr) -> pl.Expr:
    t = _number_text(raw)
    t = pl.when(t.str.contains(r"^-?\d+(\.0*)?$")).then(t.str.replace(r"\.0*$", "")).otherwise(None)
    return pl.when(is_none(raw)).then(None).otherwise(t.cast(pl.Int32, strict=False))


def quarter(raw: pl.Expr) -> pl.Expr:
    """1-4 from '2', 'Q2', 'ไตรมาส 2'; other integers pass through for the range check."""
    t = _digits(normalize_text(raw)).str.replace(r"(?i)^(q|ไตรมาส(ที่)?)\s*", "")
    return integer(t).cast(pl.Int8, strict=False)


def text(raw: pl.Expr) -> pl.Expr:
    return normalize_text(raw)


_TRUE = ("true", "t", "yes", "y", "1", "ใช่", "สะสม", "cumulative")
_FALSE = ("false", "f", "no", "n", "0", "ไม่ใช่", "ไม่สะสม", "รายไตรมาส", "increment", "increments")


def boolean(raw: pl.Expr) -> pl.Expr:
    t = normalize_text(raw).str.to_lowercase()
    return pl.when(t.is_in(_TRUE)).then(True).when(t.is_in(_FALSE)).then(False).otherwise(None)


def _year_to_ce(year: pl.Expr) -> pl.Expr:
    """Two-digit years are B.E. (Thai reports write '68' for 2568); years from 2400 are B.E."""
    y = pl.when(year < 100).then(year + 2500).otherwise(year)
    return pl.when(y >= 2400).then(y - BE_OFFSET).otherwise(y)


def date(raw: pl.Expr) -> pl.Expr:
    """ISO dates, D/M/Y and 'D month Y' with Thai or English month names; B.E. years converted."""
    t = _digits(normalize_text(raw)).str.replace(r"^ณ\s*(วันที่)?\s*", "").str.to_lowercase()
    iso = t.str.extract_groups(r"^(?<y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})(?:[ t].*)?$")
    dmy = t.str.extract_groups(r"^(?<d>\d{1,2})[/.](?<m>\d{1,2})[/.](?<y>\d{4})$")  # 30/12/68: ambiguous
    named = t.str.extract_groups(r"^(?<d>\d{1,2})\s*(?<m>[^\d\s]+)\s*(?<y>\d{2,4})$")
    month_name = named.struct.field("m").str.replace_all(r"\s", "")
    month = pl.coalesce(
        iso.struct.field("m").cast(pl.Int32, strict=False),
        dmy.struct.field("m").cast(pl.Int32, strict=False),
        month_name.replace_strict(MONTH_NAMES, default=None, return_dtype=pl.Int32),
        month_name.str.slice(0, 3).replace_strict(
            {k: v for k, v in MONTH_NAMES.items() if k in _EN_MONTHS}, default=None, return_dtype=pl.Int32
        ),
    )
    year = pl.coalesce(*(g.struct.field("y").cast(pl.Int32, strict=False) for g in (iso, dmy, named)))
    day = pl.coalesce(*(g.struct.field("d").cast(pl.Int32, strict=False) for g in (iso, dmy, named)))
    valid = month.is_between(1, 12) & day.is_between(1, 31)
    year_ce = _year_to_ce(year)
    return pl.when(valid).then(
        pl.concat_str(
            year_ce.cast(pl.String), month.cast(pl.String).str.zfill(2), day.cast(pl.String).str.zfill(2), separator="-"
        ).str.to_date("%Y-%m-%d", strict=False)
    )


def date_problem(raw: pl.Expr, lang: str = "en") -> pl.Expr:
    """Why a date did not parse, in words (null when the reason is only 'not a date')."""
    t = _digits(normalize_text(raw)).str.to_lowercase()
    two = t.str.extract_groups(r"^(?<d>\d{1,2})[/.](?<m>\d{1,2})[/.](?<y>\d{2})$")
    y, m, d = (two.struct.field(k) for k in ("y", "m", "d"))
    return pl.when(y.is_not_null()).then(say("why_two_digit_year", lang, d=d, m=m, y=y))


def integer_problem(raw: pl.Expr, lang: str = "en") -> pl.Expr:
    t = _digits(normalize_text(raw))
    return pl.when(t.str.contains(r"\d,\d") & ~t.str.replace_all(r"\s", "").str.contains(_GROUPED_RE)).then(
        say("why_grouping_int", lang)
    )


def number_problem(raw: pl.Expr, lang: str = "en") -> pl.Expr:
    t = _digits(normalize_text(raw)).str.replace_all(_DECORATION_RE, "").str.replace_all(r"\s", "")
    return (
        pl.when(t.str.contains(r"^\(?[-+−]?\d+,\d{1,2}\)?$") | t.str.contains(r"^\(?[-+−]?\d+,\d{4,}\)?$"))
        .then(say("why_comma_decimal", lang))
        .when(t.str.contains(r"\d,\d") & ~t.str.contains(_GROUPED_RE))
        .then(say("why_grouping", lang))
    )


def vocabulary(raw: pl.Expr, terms: tuple[s.Term, ...]) -> pl.Expr:
    """Map any accepted spelling (code, Thai, English, alias; case-insensitive) to the code."""
    mapping = {sp.lower(): t.code for t in terms for sp in t.spellings()}
    t = normalize_text(raw).str.to_lowercase().str.replace_all(r"\s+", " ")
    return t.replace_strict(mapping, default=None, return_dtype=pl.String)


def parse(raw: pl.Expr, kind: str) -> pl.Expr:
    """Parse a raw text column according to a schema column kind."""
    if kind in s.VOCABULARIES:
        return vocabulary(raw, s.VOCABULARIES[kind])
    return {
        "int": integer,
        "quarter": quarter,
        "money": money,
        "number": number,
        "text": text,
        "name": name,
        "id": identifier,
        "date": date,
        "bool": boolean,
    }[kind](raw)


# Text already in canonical form skips the lenient parsers (the bulk of a machine-written file):
# a cheap cast gives the same value the lenient parser would ([0-9], not \d, which matches Thai digits).
CANONICAL = {
    "int": (r"^-?[0-9]{1,9}$", lambda e: e.cast(pl.Int32, strict=False)),
    "quarter": (r"^[0-9]$", lambda e: e.cast(pl.Int8, strict=False)),
    "money": (r"^-?[0-9]{1,20}(\.[0-9]{1,6})?$", lambda e: e.cast(s.MONEY, strict=False)),
    "number": (r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$", lambda e: e.cast(pl.Float64, strict=False)),
    "date": (
        r"^(1[0-9]{3}|20[0-9]{2}|21[0-9]{2})-[0-9]{2}-[0-9]{2}$",
        lambda e: e.str.to_date("%Y-%m-%d", strict=False),
    ),
    "id": (r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$", lambda e: e),
}


def column(frame: pl.DataFrame, name: str, kind: str) -> pl.Series:
    """Parse one raw text column of ``frame``: canonical cells by a cast, the rest by the lenient parser."""
    if kind not in CANONICAL:
        return frame.select(parse(pl.col(name), kind)).to_series()
    pattern, cast = CANONICAL[kind]
    raw = pl.col(name)
    canonical = raw.str.contains(pattern).fill_null(False)
    out = frame.select(pl.when(canonical).then(cast(raw)).otherwise(None).alias(name)).to_series()
    rest = frame.select(pl.arg_where(~canonical & raw.is_not_null())).to_series()
    if rest.len():
        slow = frame[rest].select(parse(raw, kind).alias(name)).to_series()
        out = out.scatter(rest, slow)
    return out


PROBLEMS = {
    "money": money_problem,
    "date": date_problem,
    "int": integer_problem,
    "number": number_problem,
}

# What a column of each kind takes, in a language (for the message of a cell that did not parse).
VOCABULARY_EXPECTED = {
    "unit": "one of " + ", ".join(u.code for u in s.UNITS),
    "comparator": "one of >= (ไม่น้อยกว่า), > (มากกว่า), <= (ไม่เกิน) or < (น้อยกว่า)",
    "measure": "one of cumulative (สะสม), level (ระดับ) or milestone (ผลผลิต)",
    "source": "one of budget_bureau, opdc, other",
}
KINDS = ("int", "quarter", "money", "number", "text", "id", "name", "date", "bool")


def expected(kind: str, lang: str = "en") -> str:
    """What a column of ``kind`` takes: 'a whole number, e.g. 2569' (in Thai: 'ต้องเป็นจำนวนเต็ม เช่น 2569')."""
    return labels.t(f"expected_{kind}", lang) if kind in KINDS else VOCABULARY_EXPECTED.get(kind, kind)


EXPECTED = {kind: expected(kind) for kind in (*KINDS, *VOCABULARY_EXPECTED)}
