"""The one-page PDF at any scale and in any script (issue 23, point 4): figures fit their boxes,
names in Thai, Latin and Armenian print, Thai lines break between words, and no server path shows."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from forecast import api
from forecast.data.store import Store
from forecast.data.units import AmountUnit
from forecast.interfaces import export
from tests.conftest import reference_copy

MONEY = {
    "projects": ("budget", "budget_cut"),
    "finance": (
        "plan",
        "disbursed",
        "committed",
        "spend",
        "plan_cum_reported",
        "disbursed_cum_reported",
        "committed_cum_reported",
        "spend_cum_reported",
    ),
}
NAMES = [  # (name_th, name_en): Thai, Latin with diacritics, Armenian only, Cyrillic only, Georgian only
    ("โครงการจัดการปัญหาแพลตฟอร์มออนไลน์และสร้างความตระหนักรู้ให้ประชาชน (Trust Services)", "Online platforms"),
    ("", "Développement des infrastructures numériques critiques du pays, phase II (Trust Services)"),
    ("", "Տարածքային կառավարման քաղաքականության մշակում և ծառայությունների մատուցում"),
    ("", "Цифровая трансформация государственных услуг"),
    ("", "ციფრული ტრანსფორმაცია"),
]
SENTENCE = "คาดว่าสิ้นปีจะเบิกจ่ายได้ 33.6% ของงบประมาณ (ช่วง 31.4%–35.8%) เทียบกับเป้าหมาย 93.0%; โอกาสไม่ถึงเป้า >99%"


def _scaled(rows: list[dict], columns: tuple[str, ...], factor: int) -> list[dict]:
    for r in rows:
        for c in columns:
            if r.get(c):
                r[c] = f"{Decimal(r[c]) * factor:.4f}"
    return rows


def _named(rows: list[dict]) -> list[dict]:
    for r, (th, en) in zip(rows, NAMES):
        r.update(name_th=th, name_en=en)
    return rows


@pytest.fixture(scope="module")
def giant(tmp_path_factory) -> Store:
    """The reference data times ten million (a 10-digit total: 5,193,683,000) with names in five scripts."""
    root = tmp_path_factory.mktemp("giant")
    edit = {
        "projects": lambda rows: _named(_scaled(rows, MONEY["projects"], 10_000_000)),
        "finance": lambda rows: _scaled(rows, MONEY["finance"], 10_000_000),
    }
    store = Store.create(root / "store", unit=AmountUnit(scale="unit"), max_amount=1e12)  # baht
    store.ingest(reference_copy(root / "files", edit))
    return store


def _pdf():
    pdf = export.new_pdf()
    pdf.add_page()
    return pdf


def _text_of(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_pdf_of_a_ten_digit_total_builds_with_every_name(giant, lang):
    review = api.review(giant, "2026-03-31")
    data = export.summary_pdf(review, lang, subtitle=str(giant.root))
    text = _text_of(data)
    budget = export.formats.money(float(sum(review.snapshot.table("projects")["budget"].cast(float))))
    assert len(budget.split(".")[0].replace(",", "")) == 10 and budget in text
    assert str(giant.root) not in text and giant.root.name in text  # the store's name, not its path
    assert "≥" in text or lang == "en"  # the Thai score rule, "สูง ≥ 0.60", keeps its symbol
    assert "/" not in text.split("\n")[1]  # the caption holds no path
    flat = "".join(text.split()).replace("ำ]", "ำ").replace("ำ^", "ำ")  # pypdf reads a shaped "ำ" as "ำ]" or "ำ^"
    shown = review.ranking(lang).head(6).select("name_th", "name_en").rows()
    assert {en for _, en in shown} >= {
        en for th, en in NAMES if not th
    }  # the four non-Thai names are among the riskiest
    for th, en in shown:  # each prints in its own script (Thai mode falls back to the other name), never as an id
        name = (th if lang == "th" else en) or th or en
        assert "".join(name.split())[:24] in flat, name


def test_fit_never_returns_a_line_wider_than_its_box():
    pdf = _pdf()
    texts = [
        "2,041,519,530.5305 – 2,417,956,369.3690",
        "20,415,195,300,000,000.5305 – 24,179,563,690,000,000.3690",
        "1,836,432.7015",
        NAMES[0][0],
        NAMES[2][1],
        SENTENCE,
        "x" * 300,
    ]
    for text in texts:
        for width in (5.0, 12.0, 30.0, 46.0, 100.0):
            for shrink in (True, False):
                size, lines = export.fit(pdf, text, width, 12, 6, max_lines=2, height=9, style="B", shrink=shrink)
                pdf.set_font(export.FONT, "B", size)
                assert lines and len(lines) <= 2
                assert all(pdf.get_string_width(line) <= width + 1e-6 for line in lines), (text, width, lines)


def test_a_ten_digit_range_shrinks_and_wraps_between_its_figures_in_a_card():
    pdf = _pdf()
    text = "2,041,519,530.5305 – 2,417,956,369.3690"
    size, lines = export.fit(pdf, text, 46.0, 12, 5, max_lines=2, height=8.6, style="B")
    assert 5 <= size < 12
    assert [line.strip(" –") for line in lines] == ["2,041,519,530.5305", "2,417,956,369.3690"]  # whole figures


def test_a_name_too_long_for_its_lines_ends_at_a_word():
    pdf = _pdf()
    name = NAMES[1][1]
    _, lines = export.fit(pdf, name, 40.0, 7, max_lines=2, shrink=False)
    assert len(lines) == 2 and lines[-1].endswith("…")
    kept = " ".join(lines)[:-1].split()
    assert kept == name.split()[: len(kept)]  # whole words only: never "(Tru"


@pytest.mark.parametrize("width", [22.0, 27.0, 31.0, 40.0, 47.0, 80.0])
def test_thai_lines_break_between_words_only(width):
    from pythainlp.tokenize import word_tokenize

    pdf = _pdf()
    pdf.set_font(export.FONT, "", 7)
    text = NAMES[0][0] + " " + SENTENCE
    lines = export.wrap(pdf, text, width, break_words=False)
    assert lines is not None and len(lines) > 1
    assert all(pdf.get_string_width(line) <= width for line in lines)
    # the lines give the text back, with spaces dropped at the breaks only
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    bounds, at = set(), 0
    for w in word_tokenize(text, engine="newmm", keep_whitespace=True):
        at += len(w)
        bounds.add(at)
    squeezed, at = text, 0
    for line in lines[:-1]:  # where each line ends in the text is where a word ends
        at = squeezed.index(line, at) + len(line)
        assert at in bounds, (line, squeezed[at - 5 : at + 5])
    for wrong in ("แพลตฟ", "ตระหนั"):
        assert not any(line.endswith(wrong) for line in lines)


def test_words_give_the_text_back_and_keep_what_touches_a_thai_word():
    for text in (SENTENCE, NAMES[0][0], "(27.9063 ล้านแดรม) เทียบกับแผนสะสม", "", "a  b"):
        assert "".join(export.words(text)) == text
    assert "แดรม)" in export.words("(27.9063 ล้านแดรม)")  # a currency name is one word, its bracket stays on it
    assert "(ช่วง" in export.words(SENTENCE)


def test_the_cli_made_pdf_names_the_store_without_its_path(tmp_path):
    from forecast.interfaces.cli import main

    store = Store.create(tmp_path / "agency-store", from_reference=True)
    out = tmp_path / "summary.pdf"
    assert main(["--store", str(store.root), "report", "--out", str(out), "--lang", "en"]) == 0
    text = _text_of(out.read_bytes())
    assert "agency-store" in text and str(tmp_path) not in text and "/" not in text.split("\n")[1]
