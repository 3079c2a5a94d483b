"""The unit a store keeps its amounts in: a currency and a scale, declared at ``init``.

Thai agencies report in million baht (MTHB); other stores declare their own, e.g. million AMD.
Every output labels amounts with the store's unit, in Thai and English.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from forecast import labels
from forecast.data import schema as s
from forecast.errors import InputError

# code -> (English name, Thai name)
CURRENCIES = {
    "THB": ("baht", "บาท"),
    "AMD": ("AMD", "แดรม"),
    "USD": ("US dollars", "ดอลลาร์สหรัฐ"),
    "EUR": ("euros", "ยูโร"),
    "GBP": ("pounds", "ปอนด์"),
    "JPY": ("yen", "เยน"),
    "LAK": ("kip", "กีบ"),
    "KHR": ("riel", "เรียล"),
    "VND": ("dong", "ด่ง"),
    "MMK": ("kyat", "จ๊าด"),
    "IDR": ("rupiah", "รูเปียห์"),
    "PHP": ("pesos", "เปโซ"),
    "MYR": ("ringgit", "ริงกิต"),
}
# scale -> (factor, English word, Thai word, short prefix)
SCALES = {
    "unit": (1, "", "", ""),
    "thousand": (1e3, "thousand", "พัน", "K"),
    "million": (1e6, "million", "ล้าน", "M"),
    "billion": (1e9, "billion", "พันล้าน", "B"),
}


@dataclass(frozen=True)
class AmountUnit:
    """Currency (ISO 4217 code) and scale of a store's amounts; million baht by default."""

    currency: str = "THB"
    scale: str = "million"

    def __post_init__(self) -> None:
        code = self.currency.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise InputError(f"a currency is a three-letter ISO 4217 code such as THB or AMD; got {self.currency!r}.")
        object.__setattr__(self, "currency", code)
        if self.scale not in SCALES:
            raise InputError(f"the amount scale must be one of {', '.join(SCALES)}; got {self.scale!r}.")

    @property
    def factor(self) -> float:
        """How many currency units one stored unit is (1e6 for million)."""
        return SCALES[self.scale][0]

    def label(self, lang: str = "en") -> str:
        """'million baht', 'ล้านบาท', 'million AMD'."""
        en, th = CURRENCIES.get(self.currency, (self.currency, self.currency))
        _, word_en, word_th, _ = SCALES[self.scale]
        return labels.pick(lang, th=f"{word_th}{th}", en=f"{word_en} {en}".strip())

    def words(self, lang: str = "en") -> str:
        """How amounts are labelled in running text: 'ล้านบาท' / 'MTHB', 'million AMD'."""
        english = self.short if self.currency == "THB" and self.scale == "million" else self.label("en")
        return labels.pick(lang, th=self.label("th"), en=english)

    @property
    def short(self) -> str:
        """'MTHB', 'MAMD', 'KUSD': a column-header abbreviation."""
        return f"{SCALES[self.scale][3]}{self.currency}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> AmountUnit:
        return cls(**d) if d else cls()


MTHB = AmountUnit()


def term_label(code: str | None, lang: str) -> str:
    """A KPI unit (or comparator, source) in Thai or English: 'dataset' -> 'ชุดข้อมูล' / 'datasets'."""
    for terms in s.VOCABULARIES.values():
        for term in terms:
            if term.code == code:
                return labels.pick(lang, th=term.th, en=term.en)
    return code or ""
