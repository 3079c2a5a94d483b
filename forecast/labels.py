"""User-facing labels in Thai and English (Thai is the default)."""

from __future__ import annotations

LANGS = ("th", "en")

LABELS: dict[str, dict[str, str]] = {
    "title": {"th": "ติดตามการใช้จ่ายงบประมาณ", "en": "Budget execution monitor"},
    "store": {"th": "แหล่งข้อมูล", "en": "Data store"},
    "as_of": {"th": "ข้อมูล ณ วันที่", "en": "As of report date"},
    "latest": {"th": "ล่าสุด", "en": "latest"},
    "budget": {"th": "งบประมาณ (ล้านบาท)", "en": "Budget (MTHB)"},
    "plan_to_date": {"th": "แผนสะสม", "en": "Plan to date"},
    "spend_to_date": {"th": "ผลใช้จ่ายสะสม", "en": "Spend to date"},
    "disbursed_to_date": {"th": "เบิกจ่ายสะสม", "en": "Disbursed to date"},
    "committed_to_date": {"th": "ผูกพันสะสม", "en": "Committed to date"},
    "of_budget": {"th": "ของงบประมาณ", "en": "of budget"},
    "projects": {"th": "โครงการ", "en": "Projects"},
    "curve": {"th": "แผนและผลสะสมรายไตรมาส (ล้านบาท)", "en": "Cumulative plan and actuals by quarter (MTHB)"},
    "quarter": {"th": "ไตรมาส", "en": "Quarter"},
    "kpis": {"th": "ผลการดำเนินงานตามตัวชี้วัด", "en": "KPI results"},
    "revisions": {"th": "ตัวเลขที่มีการปรับปรุงระหว่างรายงาน", "en": "Figures restated between reports"},
    "vintages": {"th": "ชุดข้อมูลที่นำเข้า", "en": "Store vintages"},
    "language": {"th": "ภาษา", "en": "Language"},
    "name": {"th": "โครงการ", "en": "Project"},
    "reported_quarter": {"th": "ไตรมาสล่าสุด", "en": "Last quarter"},
    "note_reference": {"th": "ข้อมูลอ้างอิงจากรายงานความก้าวหน้า สพธอ. ปีงบประมาณ พ.ศ. 2569 (อ่านอย่างเดียว)",
                       "en": "Reference data: ETDA FY2569 progress report (read-only)"},
}


def t(key: str, lang: str) -> str:
    """The label for ``key`` in ``lang`` (falls back to English, then the key)."""
    entry = LABELS.get(key, {})
    return entry.get(lang) or entry.get("en") or key
