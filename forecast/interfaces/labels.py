"""User-facing labels in Thai and English (Thai is the default)."""

from __future__ import annotations

LANGS = ("th", "en")

LABELS: dict[str, dict[str, str]] = {
    "title": {"th": "ติดตามการใช้จ่ายงบประมาณ", "en": "Budget execution monitor"},
    "store": {"th": "แหล่งข้อมูล", "en": "Data store"},
    "store_reference": {"th": "ข้อมูลอ้างอิง สพธอ. ปีงบประมาณ 2569 (อ่านอย่างเดียว)",
                        "en": "reference data, ETDA FY2569 (read-only)"},
    "no_commitments": {"th": "หน่วยงานไม่ได้รายงานภาระผูกพัน: ไม่ได้ประเมินผลใช้จ่ายและโอกาสเหลือเงิน",
                       "en": "Commitments not reported: spend and P(money unused) are not assessed."},
    "as_of": {"th": "ข้อมูล ณ วันที่", "en": "As of report date"},
    "latest": {"th": "ล่าสุด", "en": "latest"},
    "budget": {"th": "งบประมาณ", "en": "Budget"},
    "plan_to_date": {"th": "แผนสะสม", "en": "Plan to date"},
    "spend_to_date": {"th": "ผลใช้จ่ายสะสม", "en": "Spend to date"},
    "disbursed_to_date": {"th": "เบิกจ่ายสะสม", "en": "Disbursed to date"},
    "committed_to_date": {"th": "ผูกพันสะสม", "en": "Committed to date"},
    "of_budget": {"th": "ของงบประมาณ", "en": "of budget"},
    "projects": {"th": "โครงการ", "en": "Projects"},
    "curve": {"th": "แผนและผลสะสมรายไตรมาส", "en": "Cumulative plan and actuals by quarter"},
    "quarter": {"th": "ไตรมาส", "en": "Quarter"},
    "kpis": {"th": "ผลการดำเนินงานตามตัวชี้วัด", "en": "KPI results"},
    "revisions": {"th": "ตัวเลขที่มีการปรับปรุงระหว่างรายงาน", "en": "Figures restated between reports"},
    "vintages": {"th": "ชุดข้อมูลที่นำเข้า", "en": "Store vintages"},
    "language": {"th": "ภาษา", "en": "Language"},
    "name": {"th": "โครงการ", "en": "Project"},
    "reported_quarter": {"th": "ไตรมาสล่าสุด", "en": "Last quarter"},
    "note_reference": {"th": "ข้อมูลอ้างอิงจากรายงานความก้าวหน้า สพธอ. ปีงบประมาณ พ.ศ. 2569 (อ่านอย่างเดียว)",
                       "en": "Reference data: ETDA FY2569 progress report (read-only)"},
    # pages
    "page_overview": {"th": "ภาพรวม", "en": "Overview"},
    "page_ranking": {"th": "จัดอันดับความเสี่ยง", "en": "Risk ranking"},
    "page_project": {"th": "รายโครงการ", "en": "Project"},
    "page_data": {"th": "ข้อมูล", "en": "Data"},
    "page_models": {"th": "แบบจำลอง", "en": "Models"},
    # overview
    "projected_ye": {"th": "คาดการณ์เบิกจ่ายสิ้นปี", "en": "Projected year-end disbursed"},
    "range": {"th": "ช่วง p10–p90", "en": "p10–p90"},
    "target_line": {"th": "เป้าหมายเบิกจ่าย", "en": "Disbursement target"},
    "projection": {"th": "คาดการณ์ (p50)", "en": "Projection (p50)"},
    "fan": {"th": "ช่วงคาดการณ์ p10–p90", "en": "Projected p10–p90"},
    "levels": {"th": "จำนวนโครงการตามระดับความเสี่ยง", "en": "Projects by risk level"},
    "changes": {"th": "สิ่งที่เปลี่ยนไปจากรายงานก่อนหน้า", "en": "What changed since the previous report"},
    "no_previous": {"th": "ยังไม่มีรายงานก่อนหน้าให้เปรียบเทียบ", "en": "No earlier report to compare with."},
    "new_high": {"th": "โครงการที่เพิ่งเข้าสู่ความเสี่ยงสูง", "en": "Newly high-risk projects"},
    "moved": {"th": "โครงการที่อันดับเปลี่ยน", "en": "Projects whose rank moved"},
    "rank_change": {"th": "เลื่อนขึ้น (+) / ลง (−)", "en": "Moved up (+) / down (−)"},
    "previous_rank": {"th": "อันดับก่อนหน้า", "en": "Previous rank"},
    "not_reported": {"th": "ไม่ได้รายงาน", "en": "not reported"},
    "no_projects": {"th": "ยังไม่มีโครงการในรายงานนี้", "en": "No projects in this report yet."},
    "reference_read_only": {"th": "ข้อมูลอ้างอิงเป็นแบบอ่านอย่างเดียว สร้างคลังข้อมูลของหน่วยงานเพื่อนำเข้ารายงานไตรมาสใหม่",
                            "en": "The reference data is read-only: create your agency's store to load new quarters."},
    "create_store": {"th": "สร้างคลังข้อมูลจากข้อมูลอ้างอิง", "en": "Create a store from the reference data"},
    "restated_n": {"th": "ตัวเลขที่ถูกปรับปรุง", "en": "Figures restated"},
    "joint_range_note": {"th": "ช่วงของทั้งหน่วยงานคำนวณจากการจำลองทุกโครงการพร้อมกัน (โครงการในหน่วยงานเดียวกันมักพลาดเป้าพร้อมกัน) "
                                 "ไม่ใช่ผลรวมของช่วงรายโครงการ",
                         "en": "The total's range comes from drawing every project together (projects of one agency "
                               "tend to miss together), not from adding up the projects' ranges."},
    "p_agency_miss": {"th": "โอกาสที่ทั้งหน่วยงานเบิกจ่ายไม่ถึง {target}", "en": "P(the total misses {target})"},
    "expected_shortfall": {"th": "ยอดที่คาดว่าจะขาดจากเป้า", "en": "Expected shortfall below the target"},
    "target_curve": {"th": "เป้าหมายสะสมรายไตรมาส", "en": "Quarterly target curve"},
    "page_agencies": {"th": "หน่วยงาน", "en": "Agencies"},
    "agency": {"th": "หน่วยงาน", "en": "Agency"},
    "filter_agency": {"th": "กรองตามหน่วยงาน", "en": "Filter by agency"},
    "open_agency": {"th": "เลือกแถวเพื่อดูโครงการของหน่วยงาน", "en": "Select a row to open the agency's projects"},
    "projects_n": {"th": "จำนวนโครงการ", "en": "Projects"},
    # ranking
    "rank": {"th": "อันดับ", "en": "Rank"},
    "risk_score": {"th": "คะแนนความเสี่ยง", "en": "Risk score"},
    "level": {"th": "ระดับ", "en": "Level"},
    "p_miss_disbursement": {"th": "โอกาสเบิกจ่ายไม่ถึงเป้า", "en": "P(miss disbursement)"},
    "p_miss_spend": {"th": "โอกาสเหลือเงิน", "en": "P(money unused)"},
    "p_miss_kpi": {"th": "โอกาสตัวชี้วัดไม่ถึงเป้า", "en": "P(a KPI misses)"},
    "drivers": {"th": "เหตุผลหลัก", "en": "Main reasons"},
    "plan_line": {"th": "แผนงาน", "en": "Plan line"},
    "filter_level": {"th": "กรองตามระดับ", "en": "Filter by level"},
    "filter_plan_line": {"th": "กรองตามแผนงาน", "en": "Filter by plan line"},
    "all": {"th": "ทั้งหมด", "en": "All"},
    "search": {"th": "ค้นหาโครงการ", "en": "Search projects"},
    "rows_shown": {"th": "แสดง {n} จาก {total} โครงการ", "en": "Showing {n} of {total} projects"},
    "open_project": {"th": "เลือกแถวเพื่อเปิดหน้าโครงการ", "en": "Select a row to open its project page"},
    "score_formula": {"th": "คะแนน = 0.5×โอกาสเบิกจ่ายไม่ถึงเป้า + 0.2×โอกาสเหลือเงิน + 0.3×โอกาสตัวชี้วัดไม่ถึงเป้า; "
                                "สูง ≥ 0.60, ปานกลาง ≥ 0.35",
                      "en": "Score = 0.5×P(miss disbursement) + 0.2×P(money unused) + 0.3×P(a KPI misses); "
                            "high ≥ 0.60, medium ≥ 0.35"},
    "high": {"th": "สูง", "en": "high"}, "medium": {"th": "ปานกลาง", "en": "medium"}, "low": {"th": "ต่ำ", "en": "low"},
    # project
    "choose_project": {"th": "เลือกโครงการ", "en": "Choose a project"},
    "money_table": {"th": "แผนและผลรายไตรมาส", "en": "Quarterly plan and actuals"},
    "plan": {"th": "แผน", "en": "Plan"}, "disbursed": {"th": "เบิกจ่าย", "en": "Disbursed"},
    "committed": {"th": "ผูกพัน", "en": "Committed"}, "spend": {"th": "ผลใช้จ่าย", "en": "Spend"},
    "planner_card": {"th": "ต้องเบิกจ่ายอีกเท่าไรจึงจะถึงเป้าหมาย {target} ภายในสิ้นปีงบประมาณ",
                     "en": "What it takes to reach {target} by the fiscal year end"},
    "target_reached": {"th": "เบิกจ่ายถึงเป้าหมายแล้ว", "en": "The target is already reached."},
    "still_needed": {"th": "ยังต้องเบิกจ่าย", "en": "Still to disburse"},
    "per_month": {"th": "ต่อเดือน ({n} เดือนที่เหลือ)", "en": "Per month ({n} months left)"},
    "per_quarter": {"th": "ต่อไตรมาส ({n} ไตรมาสที่เหลือ)", "en": "Per quarter ({n} quarters left)"},
    "pace_so_far": {"th": "ที่ผ่านมาเฉลี่ยต่อไตรมาส", "en": "So far, per quarter"},
    "best_quarter": {"th": "ไตรมาสที่ดีที่สุด {v}", "en": "best quarter {v}"},
    "implausible_need": {"th": "ยอดที่ต้องเบิกจ่ายต่อไตรมาสสูงกว่าสองเท่าของไตรมาสที่ดีที่สุดที่ผ่านมา: ไม่น่าเป็นไปได้หากไม่เร่งรัด",
                         "en": "The need per quarter is more than twice the best quarter so far: implausible without a "
                               "change of pace."},
    "per_month_plan": {"th": "แผนต่อเดือน", "en": "Plan per month"},
    "plan_meets": {"th": "ตามแผนนี้ถึงเป้าหมาย {target}", "en": "This plan reaches the {target} target."},
    "plan_misses": {"th": "ตามแผนนี้ไม่ถึงเป้าหมาย {target}", "en": "This plan falls short of the {target} target."},
    "no_quarters_left": {"th": "ปีงบประมาณสิ้นสุดแล้ว", "en": "The fiscal year is over."},
    "scenario": {"th": "แผนสมมติ", "en": "What-if plan"},
    "what_if": {"th": "แผนสมมติ: เบิกจ่ายในไตรมาสที่เหลือ", "en": "What if: a plan for the remaining quarters"},
    "what_if_help": {"th": "ยอดที่จะเบิกจ่ายในไตรมาสที่เหลือ ({unit}) เริ่มจากค่าคาดการณ์",
                     "en": "Amount to disburse in the quarters left ({unit}); starts at the projection"},
    "ye_disbursed": {"th": "เบิกจ่ายสิ้นปี (p50)", "en": "Year-end disbursed (p50)"},
    "p_attain": {"th": "โอกาสถึงเป้า", "en": "Chance of target"},
    "value_to_date": {"th": "ผลถึงปัจจุบัน", "en": "Value to date"},
    "target": {"th": "เป้าหมาย", "en": "Target"},
    "status": {"th": "สถานะ", "en": "Status"},
    "reached": {"th": "บรรลุแล้ว", "en": "reached"}, "on track": {"th": "เป็นไปตามแผน", "en": "on track"},
    "at risk": {"th": "เสี่ยง", "en": "at risk"}, "no data": {"th": "ยังไม่มีข้อมูล", "en": "no data"},
    "tiers": {"th": "เกณฑ์คะแนน", "en": "Tiers"},
    "restatements": {"th": "ประวัติการปรับปรุงตัวเลข", "en": "Restatement history"},
    "none": {"th": "ไม่มี", "en": "none"},
    "correction": {"th": "แก้ไข", "en": "correction"}, "restatement": {"th": "ปรับปรุงตัวเลข", "en": "restatement"},
    "revision": {"th": "ปรับแผน/งบ", "en": "revision"},
    # data
    "upload": {"th": "อัปโหลดแบบฟอร์มที่กรอกแล้ว (CSV หรือ XLSX)", "en": "Upload a filled template (CSV or XLSX)"},
    "validation": {"th": "ผลการตรวจสอบ", "en": "Validation report"},
    "valid_ok": {"th": "ไม่พบข้อผิดพลาด พร้อมนำเข้า", "en": "No errors: ready to append."},
    "valid_errors": {"th": "พบข้อผิดพลาด {n} รายการ ยังไม่ได้บันทึกข้อมูลใด ๆ",
                     "en": "{n} error(s): nothing has been stored."},
    "confirm": {"th": "ยืนยันการนำเข้าเป็นชุดข้อมูลใหม่", "en": "Confirm: append as a new vintage"},
    "stored": {"th": "บันทึกชุดข้อมูลที่ {v} แล้ว", "en": "Stored as vintage {v}."},
    "unchanged": {"th": "ข้อมูลนี้มีอยู่แล้ว ไม่มีการบันทึก", "en": "Already in the store: nothing written."},
    "download_template": {"th": "ดาวน์โหลดแบบฟอร์มเปล่า", "en": "Download the blank template"},
    "download_data": {"th": "ดาวน์โหลดข้อมูลปัจจุบัน (Excel)", "en": "Download the current data (Excel)"},
    "download_report": {"th": "ดาวน์โหลดรายงาน (Excel)", "en": "Download the report (Excel)"},
    "download_csv": {"th": "ดาวน์โหลด CSV", "en": "Download CSV"},
    "download_summary": {"th": "สรุปหนึ่งหน้าสำหรับผู้บริหาร (พิมพ์ได้)", "en": "One-page summary for management (printable)"},
    # models
    "active_set": {"th": "ชุดแบบจำลองที่ใช้งาน", "en": "Active model set"},
    "no_models": {"th": "ยังไม่มีชุดแบบจำลอง: ใช้แบบจำลองเชิงโครงสร้าง (ไม่มีข้อมูลย้อนหลัง)",
                  "en": "No model set yet: projections use the structural model (no history)."},
    "backtest": {"th": "ผลทดสอบย้อนหลังเทียบกับกฎอย่างง่าย", "en": "Backtest against the simple rules"},
    "retrain": {"th": "ฝึกแบบจำลองใหม่จากข้อมูลย้อนหลังที่อัปโหลด", "en": "Retrain from an uploaded history"},
    "train_button": {"th": "เริ่มฝึกแบบจำลอง", "en": "Train"},
    "trained": {"th": "บันทึกชุดแบบจำลอง {v} และตั้งเป็นชุดที่ใช้งาน", "en": "Saved model set {v} and made it active."},
    "switch": {"th": "เปลี่ยนชุดที่ใช้งาน", "en": "Switch the active set"},
    "activate": {"th": "ใช้งานชุดนี้", "en": "Activate"},
    "basis_no_history": {"th": "ไม่มีข้อมูลย้อนหลัง: คาดการณ์จากแบบจำลองเชิงโครงสร้าง (ภาระผูกพัน + อัตราการเบิกจ่าย) "
                                "ช่วง p10–p90 เป็นสถานการณ์สมมติ ยังไม่ได้สอบเทียบ",
                         "en": "No history: projections come from the structural model (commitment conversion "
                               "plus pace); the p10–p90 range is a scenario, not calibrated."},
    "basis_synthetic": {"th": "ข้อมูลจำลอง: ชุดแบบจำลอง {v} ฝึกจากข้อมูลสังเคราะห์ ไม่ใช่ข้อมูลจริงของหน่วยงาน",
                        "en": "Synthetic history: model set {v} was trained on simulated data, not this agency's past."},
    "basis_history": {"th": "ฝึกจากข้อมูลย้อนหลังจริง (ชุด {v})", "en": "Trained on real history (model set {v})."},
}


# Column headers of the tables the app shows and the exports write, by column name.
COLUMNS: dict[str, dict[str, str]] = {
    "fiscal_year": {"th": "ปีงบประมาณ", "en": "Fiscal year"}, "project_id": {"th": "รหัสโครงการ", "en": "Project id"},
    "quarter": {"th": "ไตรมาส", "en": "Quarter"}, "as_of": {"th": "ข้อมูล ณ วันที่", "en": "As of"},
    "plan": {"th": "แผน", "en": "Plan"}, "disbursed": {"th": "เบิกจ่าย", "en": "Disbursed"},
    "committed": {"th": "ผูกพัน", "en": "Committed"}, "spend": {"th": "ผลใช้จ่าย", "en": "Spend"},
    "store_vintage": {"th": "ชุดข้อมูลที่", "en": "Vintage"}, "ingested_at": {"th": "นำเข้าเมื่อ", "en": "Ingested at"},
    "author": {"th": "ผู้นำเข้า", "en": "By"}, "report_dates": {"th": "วันที่รายงาน", "en": "Report dates"},
    "files": {"th": "ไฟล์", "en": "Files"}, "rows": {"th": "จำนวนแถว", "en": "Rows"},
    "warnings": {"th": "คำเตือน", "en": "Warnings"}, "note": {"th": "หมายเหตุ", "en": "Note"},
    "table": {"th": "ตาราง", "en": "Table"}, "key": {"th": "รายการ", "en": "Item"},
    "column": {"th": "คอลัมน์", "en": "Column"}, "old_value": {"th": "ค่าเดิม", "en": "Old value"},
    "old_as_of": {"th": "รายงานเดิม", "en": "Old report"}, "new_value": {"th": "ค่าใหม่", "en": "New value"},
    "new_as_of": {"th": "รายงานใหม่", "en": "New report"}, "change": {"th": "ผลต่าง", "en": "Change"},
    "kind": {"th": "ประเภท", "en": "Kind"}, "old_vintage": {"th": "ชุดเดิม", "en": "Old vintage"},
    "new_vintage": {"th": "ชุดใหม่", "en": "New vintage"},
    "severity": {"th": "ระดับ", "en": "Severity"}, "rule": {"th": "กฎ", "en": "Rule"}, "file": {"th": "ไฟล์", "en": "File"},
    "sheet": {"th": "ชีต", "en": "Sheet"}, "row": {"th": "แถว", "en": "Row"}, "value": {"th": "ค่า", "en": "Value"},
    "message": {"th": "ข้อความ", "en": "Message"},
    "origin_quarter": {"th": "ไตรมาสที่คาดการณ์", "en": "Origin quarter"}, "model": {"th": "แบบจำลอง", "en": "Model"},
    "is_champion": {"th": "ชุดที่เลือกใช้", "en": "Champion"}, "n": {"th": "จำนวน", "en": "n"},
    "mae_disbursed_pp": {"th": "ความคลาดเคลื่อนเฉลี่ย (จุด%)", "en": "Mean abs. error (pp)"},
    "medae_disbursed_pp": {"th": "ความคลาดเคลื่อนมัธยฐาน (จุด%)", "en": "Median abs. error (pp)"},
    "pinball_disbursed_pp": {"th": "คะแนน pinball (จุด%)", "en": "Pinball loss (pp)"},
    "coverage_disbursed": {"th": "ครอบคลุม p10-p90", "en": "p10-p90 coverage"},
    "coverage_amount": {"th": "ครอบคลุมยอดเงิน p10-p90", "en": "p10-p90 coverage (amounts)"},
    "brier_miss": {"th": "Brier ของโอกาสพลาดเป้า", "en": "Brier of P(miss)"}, "auc_miss": {"th": "AUC", "en": "AUC"},
    "mae_spend_pp": {"th": "คลาดเคลื่อนผลใช้จ่าย (จุด%)", "en": "Spend MAE (pp)"},
    "medae_spend_pp": {"th": "คลาดเคลื่อนมัธยฐานผลใช้จ่าย (จุด%)", "en": "Spend median AE (pp)"},
    "coverage_spend": {"th": "ครอบคลุมผลใช้จ่าย", "en": "Spend coverage"},
    "p_miss_bin": {"th": "ช่วงโอกาสที่คาด", "en": "Predicted P(miss)"},
    "mean_p_miss": {"th": "โอกาสเฉลี่ยที่คาด", "en": "Mean predicted"},
    "observed_miss_rate": {"th": "สัดส่วนที่พลาดจริง", "en": "Observed miss rate"},
    "version": {"th": "รุ่น", "en": "Version"}, "active": {"th": "ใช้งาน", "en": "Active"},
    "created_at": {"th": "สร้างเมื่อ", "en": "Created"}, "basis": {"th": "ที่มา", "en": "Basis"},
    "years": {"th": "ปีที่ใช้ฝึก", "en": "Years"}, "champions": {"th": "แบบจำลองที่เลือก", "en": "Champions"},
    "kpi_id": {"th": "ตัวชี้วัด", "en": "KPI"}, "name_th": {"th": "ชื่อ (ไทย)", "en": "Name (Thai)"},
    "name_en": {"th": "ชื่อ (อังกฤษ)", "en": "Name (English)"}, "unit": {"th": "หน่วย", "en": "Unit"},
    "target": {"th": "เป้าหมาย", "en": "Target"}, "value_to_date": {"th": "ผลถึงปัจจุบัน", "en": "Value to date"},
    "projected_p10": {"th": "คาดการณ์ p10", "en": "Projected p10"},
    "projected_p50": {"th": "คาดการณ์ p50", "en": "Projected p50"},
    "projected_p90": {"th": "คาดการณ์ p90", "en": "Projected p90"},
    "p_attain": {"th": "โอกาสถึงเป้า", "en": "Chance of target"}, "tier_expected": {"th": "ระดับคะแนนที่คาด", "en": "Tier"},
    "status": {"th": "สถานะ", "en": "Status"},
}

MISSING: set[tuple[str, str]] = set()  # (key, language) asked for but not translated; the app's tests read it


def column(name: str, lang: str) -> str:
    """The header of a column in ``lang`` (recorded as missing when there is none)."""
    entry = COLUMNS.get(name, {})
    if lang not in entry:
        MISSING.add((f"column:{name}", lang))
    return entry.get(lang) or entry.get("en") or name


def t(key: str, lang: str) -> str:
    """The label for ``key`` in ``lang`` (falls back to English, then the key; both are recorded as missing)."""
    entry = LABELS.get(key, {})
    if lang not in entry:
        MISSING.add((key, lang))
    return entry.get(lang) or entry.get("en") or key
