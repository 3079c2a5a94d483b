"""User-facing labels in Thai and English (Thai is the default)."""

from __future__ import annotations

from typing import TypeVar

LANGS = ("th", "en")
T = TypeVar("T")

LABELS: dict[str, dict[str, str]] = {
    "title": {"th": "ติดตามการใช้จ่ายงบประมาณ", "en": "Budget execution monitor"},
    "store": {"th": "แหล่งข้อมูล", "en": "Data store"},
    "store_reference": {
        "th": "ข้อมูลอ้างอิง สพธอ. ปีงบประมาณ 2569 (อ่านอย่างเดียว)",
        "en": "reference data, ETDA FY2569 (read-only)",
    },
    "no_commitments": {
        "th": "หน่วยงานไม่ได้รายงานภาระผูกพัน: ไม่ได้ประเมินผลใช้จ่ายและโอกาสเหลือเงิน",
        "en": "Commitments not reported: spend and P(money unused) are not assessed.",
    },
    "commitments_missing": {
        "th": "ไม่ได้รายงานภาระผูกพันของ{quarters} ({n} โครงการ): ผลใช้จ่ายสะสมและโอกาสเหลือเงินนับภาระผูกพันของไตรมาสนั้นเป็น 0",
        "en": "Commitments not reported for {quarters} ({n} project(s)): spend to date and P(money unused) count "
        "that quarter's commitments as 0.",
    },
    "as_of": {"th": "ข้อมูล ณ วันที่", "en": "As of report date"},
    "latest": {"th": "ล่าสุด", "en": "latest"},
    "budget": {"th": "งบประมาณ", "en": "Budget"},
    "plan_to_date": {"th": "แผนสะสม", "en": "Plan to date"},
    "spend_to_date": {"th": "ผลใช้จ่ายสะสม", "en": "Spend to date"},
    "disbursed_to_date": {"th": "เบิกจ่ายสะสม", "en": "Disbursed to date"},
    "committed_to_date": {"th": "ผูกพันสะสม", "en": "Committed to date"},
    "share_range_final": {
        "th": "สิ้นปี {lo}–{hi} ของงบประมาณสุดท้าย (p10–p90)",
        "en": "year end {lo}–{hi} of the final budget (p10–p90)",
    },
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
    "note_reference": {
        "th": "ข้อมูลอ้างอิงจากรายงานความก้าวหน้า สพธอ. ปีงบประมาณ พ.ศ. 2569 (อ่านอย่างเดียว)",
        "en": "Reference data: ETDA FY2569 progress report (read-only)",
    },
    # sign-in, roles and administration
    "sign_in": {"th": "เข้าสู่ระบบ", "en": "Sign in"},
    "sign_in_sso": {"th": "เข้าสู่ระบบด้วยบัญชีองค์กร (SSO)", "en": "Sign in with your organisation (SSO)"},
    "sign_out": {"th": "ออกจากระบบ", "en": "Sign out"},
    "signed_in_as": {"th": "ผู้ใช้", "en": "Signed in as"},
    "user_name": {"th": "ชื่อผู้ใช้", "en": "User name"},
    "password": {"th": "รหัสผ่าน", "en": "Password"},
    "cancel": {"th": "ยกเลิก", "en": "Cancel"},
    "first_admin": {
        "th": "ยังไม่มีผู้ใช้ในคลังข้อมูลนี้: ระบบสร้างผู้ดูแล 'admin' แล้ว รหัสผ่านใช้ครั้งเดียวอยู่ในบันทึกของเซิร์ฟเวอร์",
        "en": "No users yet in this store: an administrator 'admin' was created; its one-time password is "
        "in the server log.",
    },
    "change_password": {"th": "ตั้งรหัสผ่านใหม่", "en": "Set a new password"},
    "one_time_password": {
        "th": "รหัสผ่านนี้ใช้ได้ครั้งเดียว กรุณาตั้งรหัสผ่านใหม่ (อย่างน้อย 10 ตัวอักษร)",
        "en": "This was a one-time password: set a new one (at least 10 characters).",
    },
    "new_password": {"th": "รหัสผ่านใหม่", "en": "New password"},
    "new_password_again": {"th": "ยืนยันรหัสผ่านใหม่", "en": "New password again"},
    "passwords_differ": {"th": "รหัสผ่านทั้งสองช่องไม่ตรงกัน", "en": "The two passwords differ."},
    "role_viewer": {"th": "ผู้ดูรายงาน", "en": "viewer"},
    "role_planner": {"th": "ผู้วางแผน", "en": "planner"},
    "role_analyst": {"th": "นักวิเคราะห์", "en": "analyst"},
    "role_admin": {"th": "ผู้ดูแลระบบ", "en": "administrator"},
    "denied": {"th": "สิทธิ์ของคุณทำรายการนี้ไม่ได้: {e}", "en": "Your role cannot do this: {e}"},
    "needs_admin": {
        "th": "การสร้างคลังข้อมูลต้องเข้าสู่ระบบในฐานะผู้ดูแลระบบ",
        "en": "Creating a store needs an administrator: sign in first.",
    },
    "page_admin": {"th": "ผู้ดูแลระบบ", "en": "Administration"},
    "audit_trail": {"th": "บันทึกการใช้งาน (ตรวจสอบย้อนหลังได้)", "en": "Audit trail"},
    "audit_ok": {"th": "สายโซ่ของบันทึกสมบูรณ์ ({n} รายการ)", "en": "The chain holds ({n} entries)."},
    "audit_broken": {"th": "คลังข้อมูลหรือบันทึกถูกแก้ไข: {e}", "en": "The store or its audit trail was changed: {e}"},
    "audit_anchor": {
        "th": "ค่าย่อยล่าสุดของคลังข้อมูล: เก็บไว้นอกระบบ (ตั๋วงาน อีเมล หรือเอกสารของหน่วยงาน) เพื่อใช้พิสูจน์ภายหลังว่า"
        "ไม่มีสิ่งใดก่อนหน้านี้ถูกแก้ไข ตัดทิ้ง หรือลบ",
        "en": "The store's head digests: keep them elsewhere (a ticket, an e-mail, the agency's records) to prove "
        "later with `forecast verify --against` that nothing before them was changed, cut off or deleted.",
    },
    "users": {"th": "ผู้ใช้", "en": "Users"},
    "add_user": {"th": "เพิ่มผู้ใช้", "en": "Add a user"},
    "role": {"th": "บทบาท", "en": "Role"},
    "user_added": {
        "th": "เพิ่ม {u} แล้ว รหัสผ่านใช้ครั้งเดียว (แสดงครั้งเดียว): {p}",
        "en": "Added {u}. One-time password (shown once): {p}",
    },
    "user_action": {"th": "จัดการผู้ใช้", "en": "Manage a user"},
    "apply": {"th": "ดำเนินการ", "en": "Apply"},
    "action_disable": {"th": "ระงับการใช้งาน", "en": "Disable"},
    "action_enable": {"th": "เปิดใช้งาน", "en": "Enable"},
    "action_reset": {"th": "ออกรหัสผ่านใช้ครั้งเดียวใหม่", "en": "New one-time password"},
    "action_role": {"th": "เปลี่ยนบทบาท", "en": "Change role"},
    "done": {"th": "เรียบร้อย", "en": "Done."},
    "training_progress": {
        "th": "กำลังฝึกแบบจำลอง {p} · เหลือประมาณ {eta} นาที",
        "en": "Retraining {p} · about {eta} min left",
    },
    "training_failed": {"th": "การฝึกแบบจำลองไม่สำเร็จ: {e}", "en": "Retraining failed: {e}"},
    "training_started": {
        "th": "เริ่มฝึกแบบจำลองเบื้องหลังแล้ว เปลี่ยนหน้าได้ตามต้องการ",
        "en": "Retraining runs in the background; you may use other pages meanwhile.",
    },
    "history_check": {
        "th": "ตรวจข้อมูลย้อนหลัง: {n} ปีงบประมาณครบปี ({y})",
        "en": "History: {n} complete fiscal years ({y})",
    },
    "history_too_short": {
        "th": "ข้อมูลย้อนหลังมี {n} ปีงบประมาณที่ครบปี ต้องมีอย่างน้อย {need} ปี จึงยังไม่เริ่มฝึก",
        "en": "The history holds {n} complete fiscal years; at least {need} are needed, so nothing was started.",
    },
    "foreign": {
        "th": "ยอมรับชุดที่ฝึกจากคลังข้อมูลอื่น (บันทึกเป็นคำเตือน)",
        "en": "Accept a set trained for another store (recorded as a warning)",
    },
    "save_whatif": {"th": "บันทึกสถานการณ์สมมตินี้", "en": "Save this what-if"},
    "whatif_saved": {"th": "บันทึกแล้วในชื่อของคุณ", "en": "Saved under your name."},
    "my_whatifs": {"th": "สถานการณ์สมมติที่คุณบันทึกไว้", "en": "Your saved what-ifs"},
    "error_id": {
        "th": "เกิดข้อผิดพลาดที่ไม่คาดคิด (รหัส {id}) ผู้ดูแลระบบค้นหารายละเอียดได้ในบันทึกของเซิร์ฟเวอร์",
        "en": "Something went wrong (error id {id}); the administrator can find the details in the server log.",
    },
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
    "rank_change": {"th": "อันดับขยับ", "en": "Rank moved"},
    "previous_rank": {"th": "อันดับก่อนหน้า", "en": "Previous rank"},
    "level_change": {"th": "ระดับ (ก่อน → ปัจจุบัน)", "en": "Level (before → now)"},
    "new_reason": {"th": "เหตุผลใหม่ที่สำคัญที่สุด", "en": "Main new reason"},
    "not_reported": {"th": "ไม่ได้รายงาน", "en": "not reported"},
    "no_kpis": {
        "th": "ไม่มีตัวชี้วัดของโครงการนี้ในรายงาน (คะแนนความเสี่ยงจึงไม่นับส่วนของตัวชี้วัด)",
        "en": "No KPIs for this project in the report (so its risk score leaves the KPI term out).",
    },
    "no_projects": {"th": "ยังไม่มีโครงการในรายงานนี้", "en": "No projects in this report yet."},
    "reference_read_only": {
        "th": "ข้อมูลอ้างอิงเป็นแบบอ่านอย่างเดียว สร้างคลังข้อมูลของหน่วยงานเพื่อนำเข้ารายงานไตรมาสใหม่",
        "en": "The reference data is read-only: create your agency's store to load new quarters.",
    },
    "create_store": {"th": "สร้างคลังข้อมูลจากข้อมูลอ้างอิง", "en": "Create a store from the reference data"},
    "restated_n": {"th": "ตัวเลขที่ถูกปรับปรุง", "en": "Figures restated"},
    "joint_range_note": {
        "th": "ช่วงของทั้งหน่วยงานคำนวณจากการจำลองทุกโครงการพร้อมกัน (โครงการในหน่วยงานเดียวกันมักพลาดเป้าพร้อมกัน) "
        "ไม่ใช่ผลรวมของช่วงรายโครงการ",
        "en": "The total's range comes from drawing every project together (projects of one agency "
        "tend to miss together), not from adding up the projects' ranges.",
    },
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
    "score_rule": {
        "th": "คะแนนความเสี่ยง = {w_d}×P(เบิกจ่ายไม่ถึง {target}) + {w_s}×P(เหลือเงินไม่ได้ใช้) + {w_k}×P(ตัวชี้วัดไม่ถึงเป้า); "
        "สูง ≥ {high}, ปานกลาง ≥ {medium} หรือมีโอกาสใดโอกาสหนึ่ง ≥ {certain}; โอกาสที่ไม่เกี่ยวข้อง (ไม่รายงานการก่อหนี้ "
        "ไม่มีงบประมาณ หรือไม่มีตัวชี้วัด) ไม่นำมาคิดพร้อมน้ำหนักของมัน",
        "en": "score = {w_d} P(miss {target} disbursed) + {w_s} P(money unused) + {w_k} P(a KPI misses); high >= {high}, "
        "medium >= {medium} or any one probability >= {certain}; a probability that does not apply (commitments not "
        "reported, no budget, no KPIs) is left out with its weight",
    },
    "dependence_assumed": {
        "th": "สมมติความสัมพันธ์ระหว่างโครงการ {g} (ไม่มีข้อมูลย้อนหลัง)",
        "en": "dependence assumed (no history): correlation {g} between all projects",
    },
    "dependence_history": {
        "th": "ความสัมพันธ์จากข้อมูลย้อนหลัง: ทั้งรัฐบาล {g} ในหน่วยงาน {a} ในแผนงาน {line}",
        "en": "dependence from history: correlation {g} within the government, {a} within an agency, {line} within "
        "a plan line",
    },
    "not_scored": {
        "th": "ไม่นำมาคิดในคะแนนความเสี่ยง (ไม่เกี่ยวข้อง) พร้อมน้ำหนักของมัน: {terms}",
        "en": "Left out of the risk score with its weight (does not apply): {terms}",
    },
    "not_scored_p_miss_disbursement": {"th": "การเบิกจ่าย: ไม่มีงบประมาณ", "en": "disbursement: no budget"},
    "not_scored_p_miss_spend": {"th": "เงินเหลือ: ไม่ได้รายงานการก่อหนี้ผูกพัน", "en": "money unused: commitments not reported"},
    "not_scored_p_miss_kpi": {"th": "ตัวชี้วัด: โครงการไม่มีตัวชี้วัด", "en": "KPIs: the project has none"},
    "p_miss_kpi": {"th": "โอกาสตัวชี้วัดไม่ถึงเป้า", "en": "P(a KPI misses)"},
    "drivers": {"th": "เหตุผลหลัก", "en": "Main reasons"},
    "plan_line": {"th": "แผนงาน", "en": "Plan line"},
    "filter_level": {"th": "กรองตามระดับ", "en": "Filter by level"},
    "filter_plan_line": {"th": "กรองตามแผนงาน", "en": "Filter by plan line"},
    "all": {"th": "ทั้งหมด", "en": "All"},
    "search": {"th": "ค้นหาโครงการ", "en": "Search projects"},
    "rows_shown": {"th": "แสดง {n} จาก {total} โครงการ", "en": "Showing {n} of {total} projects"},
    "no_match": {"th": "ไม่มีโครงการที่ตรงกับตัวกรอง", "en": "No project matches the filters."},
    "open_project": {"th": "เลือกแถวเพื่อเปิดหน้าโครงการ", "en": "Select a row to open its project page"},
    "score_formula": {
        "th": "คะแนน = 0.5×โอกาสเบิกจ่ายไม่ถึงเป้า + 0.2×โอกาสเหลือเงิน + 0.3×โอกาสตัวชี้วัดไม่ถึงเป้า; สูง ≥ 0.60, ปานกลาง ≥ 0.35",
        "en": "Score = 0.5×P(miss disbursement) + 0.2×P(money unused) + 0.3×P(a KPI misses); "
        "high ≥ 0.60, medium ≥ 0.35",
    },
    "high": {"th": "สูง", "en": "high"},
    "medium": {"th": "ปานกลาง", "en": "medium"},
    "low": {"th": "ต่ำ", "en": "low"},
    # project
    "choose_project": {"th": "เลือกโครงการ", "en": "Choose a project"},
    "money_table": {"th": "แผนและผลรายไตรมาส", "en": "Quarterly plan and actuals"},
    "plan": {"th": "แผน", "en": "Plan"},
    "disbursed": {"th": "เบิกจ่าย", "en": "Disbursed"},
    "committed": {"th": "ผูกพัน", "en": "Committed"},
    "spend": {"th": "ผลใช้จ่าย", "en": "Spend"},
    "planner_card": {
        "th": "ต้องเบิกจ่ายอีกเท่าไรจึงจะถึงเป้าหมาย {target} ภายในสิ้นปีงบประมาณ",
        "en": "What it takes to reach {target} by the fiscal year end",
    },
    "year_over_short": {
        "th": "ปีงบประมาณสิ้นสุดแล้ว: เบิกจ่ายได้ {share} ของงบประมาณ ต่ำกว่าเป้า {target} อยู่ {short} {unit}",
        "en": "The fiscal year is over: it ended at {share} of budget, {short} {unit} short of {target}.",
    },
    "target_reached": {"th": "เบิกจ่ายถึงเป้าหมายแล้ว", "en": "The target is already reached."},
    "still_needed": {"th": "ยังต้องเบิกจ่าย", "en": "Still to disburse"},
    "per_month": {"th": "ต่อเดือน ({n} เดือนที่เหลือ)", "en": "Per month ({n} months left)"},
    "per_quarter": {"th": "ต่อไตรมาส ({n} ไตรมาสที่เหลือ)", "en": "Per quarter ({n} quarters left)"},
    "pace_so_far": {"th": "ที่ผ่านมาเฉลี่ยต่อไตรมาส", "en": "So far, per quarter"},
    "best_quarter": {"th": "ไตรมาสที่ดีที่สุด {v}", "en": "best quarter {v}"},
    "implausible_need": {
        "th": "ยอดที่ต้องเบิกจ่ายต่อไตรมาสสูงกว่าสองเท่าของไตรมาสที่ดีที่สุดที่ผ่านมา: ไม่น่าเป็นไปได้หากไม่เร่งรัด",
        "en": "The need per quarter is more than twice the best quarter so far: implausible without a change of pace.",
    },
    "per_month_plan": {"th": "แผนต่อเดือน", "en": "Plan per month"},
    "plan_meets": {
        "th": "ด้วยยอดนี้ สิ้นปีมีแนวโน้มถึงเป้าหมาย {target}: โอกาสไม่ถึงเป้า {p}",
        "en": "With this amount the year end more likely than not reaches the {target} target: chance of missing {p}.",
    },
    "plan_misses": {
        "th": "ด้วยยอดนี้ สิ้นปีมีแนวโน้มไม่ถึงเป้าหมาย {target}: โอกาสไม่ถึงเป้า {p}",
        "en": "With this amount the year end more likely than not falls short of the {target} target: "
        "chance of missing {p}.",
    },
    "no_quarters_left": {"th": "ปีงบประมาณสิ้นสุดแล้ว", "en": "The fiscal year is over."},
    "scenario": {"th": "แผนสมมติ", "en": "What-if plan"},
    "what_if": {"th": "แผนสมมติ: เบิกจ่ายในไตรมาสที่เหลือ", "en": "What if: a plan for the remaining quarters"},
    "what_if_help": {
        "th": "ยอดที่จะเบิกจ่ายในไตรมาสที่เหลือ ({unit}) เริ่มจากค่าคาดการณ์",
        "en": "Amount to disburse in the quarters left ({unit}); starts at the projection",
    },
    "ye_disbursed": {"th": "เบิกจ่ายสิ้นปี (p50)", "en": "Year-end disbursed (p50)"},
    "p_attain": {"th": "โอกาสถึงเป้า", "en": "Chance of target"},
    "value_to_date": {"th": "ผลถึงปัจจุบัน", "en": "Value to date"},
    "target": {"th": "เป้าหมาย", "en": "Target"},
    "status": {"th": "สถานะ", "en": "Status"},
    "reached": {"th": "บรรลุแล้ว", "en": "reached"},
    "on track": {"th": "เป็นไปตามแผน", "en": "on track"},
    "at risk": {"th": "เสี่ยง", "en": "at risk"},
    "no data": {"th": "ยังไม่มีข้อมูล", "en": "no data"},
    "off track": {"th": "ต่ำกว่าเป้า", "en": "off track"},
    "missed": {"th": "ไม่บรรลุ", "en": "missed"},
    "tiers": {"th": "เกณฑ์คะแนน", "en": "Tiers"},
    "restatements": {"th": "ประวัติการปรับปรุงตัวเลข", "en": "Restatement history"},
    "none": {"th": "ไม่มี", "en": "none"},
    "correction": {"th": "แก้ไข", "en": "correction"},
    "restatement": {"th": "ปรับปรุงตัวเลข", "en": "restatement"},
    "revision": {"th": "ปรับแผน/งบ", "en": "revision"},
    # data
    "upload": {"th": "อัปโหลดแบบฟอร์มที่กรอกแล้ว (CSV หรือ XLSX)", "en": "Upload a filled template (CSV or XLSX)"},
    "validation": {"th": "ผลการตรวจสอบ", "en": "Validation report"},
    "valid_ok": {"th": "ไม่พบข้อผิดพลาด พร้อมนำเข้า", "en": "No errors: ready to append."},
    "valid_errors": {"th": "พบข้อผิดพลาด {n} รายการ ยังไม่ได้บันทึกข้อมูลใด ๆ", "en": "{n} error(s): nothing has been stored."},
    "confirm": {"th": "ยืนยันการนำเข้าเป็นชุดข้อมูลใหม่", "en": "Confirm: append as a new vintage"},
    "stored": {"th": "บันทึกชุดข้อมูลที่ {v} แล้ว", "en": "Stored as vintage {v}."},
    "unchanged": {"th": "ข้อมูลนี้มีอยู่แล้ว ไม่มีการบันทึก", "en": "Already in the store: nothing written."},
    "download_template": {"th": "ดาวน์โหลดแบบฟอร์มเปล่า", "en": "Download the blank template"},
    "download_data": {"th": "ดาวน์โหลดข้อมูลปัจจุบัน (Excel)", "en": "Download the current data (Excel)"},
    "download_report": {"th": "ดาวน์โหลดรายงาน (Excel)", "en": "Download the report (Excel)"},
    "download_csv": {"th": "ดาวน์โหลด CSV", "en": "Download CSV"},
    "download_summary": {"th": "สรุปหนึ่งหน้าสำหรับผู้บริหาร (พิมพ์ได้)", "en": "One-page summary for management (printable)"},
    # the reasons a project is at risk (forecast/decisions/risk.py builds them; {unit} is the store's unit)
    "driver_not_reported": {"th": "ยังไม่มีรายงานผลการใช้จ่าย", "en": "no spending reported yet"},
    "driver_behind_plan": {
        "th": "เบิกจ่ายแล้ว {d} ของงบประมาณ ({amount} {unit}) เทียบกับแผนสะสม {plan}",
        "en": "disbursed {d} of budget ({amount} {unit}) vs {plan} planned to date",
    },
    "driver_below_quarter_target": {
        "th": "เบิกจ่าย {d} ต่ำกว่าเป้าหมายไตรมาส {q} ที่ {due}",
        "en": "disbursed {d}, below the Q{q} target of {due}",
    },
    "driver_projected_miss": {
        "th": "โอกาสไม่ถึงเป้าหมาย {target} {p}: คาดว่าสิ้นปีจะเบิกจ่ายได้ {mid} ของงบประมาณสุดท้ายของปี (ช่วง p10–p90 {lo}–{hi})",
        "en": "chance of missing the {target} target {p}: projected year-end disbursement {mid} of the final "
        "budget (p10-p90 {lo}-{hi})",
    },
    "driver_committed_unpaid": {
        "th": "มีภาระผูกพันที่ยังไม่เบิกจ่าย {amount} {unit} ({share} ของงบประมาณ)",
        "en": "{amount} {unit} ({share} of budget) committed but not yet paid",
    },
    "driver_committed_unpaid_slow": {
        "th": "มีภาระผูกพันที่ยังไม่เบิกจ่าย {amount} {unit} ({share} ของงบประมาณ); "
        "ไตรมาส {q} เบิกจ่ายได้เท่ากับ {conv} ของภาระผูกพันยกมา",
        "en": "{amount} {unit} ({share} of budget) committed but not yet paid; Q{q} "
        "payments equalled {conv} of the commitments carried in",
    },
    "driver_money_unused": {
        "th": "คาดว่าสิ้นปีจะใช้จ่าย {spend} ของงบประมาณ อาจเหลือเงินไม่ได้ใช้ประมาณ {unused} {unit}",
        "en": "projected year-end spend {spend} of budget: about {unused} {unit} may go unused",
    },
    "driver_budget_revised": {
        "th": "งบประมาณถูกปรับ {n} ครั้ง ปัจจุบันเท่ากับ {ratio} ของงบต้นปี",
        "en": "budget revised {n} time(s): now {ratio} of the year's first budget",
    },
    "driver_required_pace": {
        "th": "ต้องเบิกจ่ายไตรมาสละ {need} ของงบประมาณจึงจะถึง {target} ขณะที่ผ่านมาเฉลี่ยไตรมาสละ {so_far}",
        "en": "needs {need} of budget disbursed per remaining quarter to reach {target}; so far {so_far} per quarter",
    },
    "driver_slowing": {
        "th": "การเบิกจ่ายไตรมาส {q} ลดลง {drop} ของงบประมาณจากไตรมาสก่อน",
        "en": "disbursement in Q{q} fell by {drop} of budget from the quarter before",
    },
    "driver_restated": {
        "th": "ตัวเลขเบิกจ่ายสะสมถูกปรับปรุงระหว่างรายงาน {amount} {unit}",
        "en": "disbursement to date restated by {amount} {unit} between reports",
    },
    "driver_kpi_at_risk": {
        "th": 'ตัวชี้วัด {id} "{name}": โอกาสถึงเป้า {p} ({basis})',
        "en": 'KPI {id} "{name}": chance of reaching the target {p} ({basis})',
    },
    "access_wrong": {"th": "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "en": "The user name or the password is wrong."},
    "access_locked": {
        "th": "เข้าสู่ระบบไม่สำเร็จหลายครั้งเกินไป: บัญชีถูกล็อกถึง {until} UTC หรือจนกว่าผู้ดูแลระบบจะปลดล็อก",
        "en": "Too many failed sign-ins: the account is locked until {until} UTC, or until an administrator unlocks it.",
    },
    "access_otp_used": {
        "th": "รหัสผ่านใช้ครั้งเดียวนี้ถูกใช้เข้าสู่ระบบไปแล้ว ใช้ได้ครั้งเดียว โปรดขอรหัสใหม่จากผู้ดูแลระบบ",
        "en": "This one-time password was used to sign in already; it works once. Ask an administrator for a new one.",
    },
    "access_unrecorded": {
        "th": "บันทึกการเข้าสู่ระบบไม่ได้ ({reason}: พื้นที่ดิสก์เต็มหรืออ่านได้อย่างเดียว) จึงยังไม่ได้เข้าสู่ระบบ โปรดติดต่อผู้ดูแลระบบ",
        "en": "The sign-in cannot be recorded ({reason}: the store's disk is full or read-only); you are not signed "
        "in. Ask an administrator.",
    },
    "error_audit_unwritable": {
        "th": "เขียนบันทึกการตรวจสอบไม่ได้ ({reason}: พื้นที่ดิสก์เต็มหรืออ่านได้อย่างเดียว) ไม่ได้บันทึกรายการนี้",
        "en": "The audit trail cannot be written ({reason}; is the disk full or read-only?); the action was not "
        "recorded.",
    },
    "error_draws": {
        "th": "จำนวนการจำลองร่วมต้องเป็นจำนวนเต็มตั้งแต่ 1 ถึง {most} (ค่าเริ่มต้น 10,000) แต่ได้ {got}",
        "en": "The number of joint draws is a whole number from 1 to {most} (10,000 by default); got {got}.",
    },
    "error_results_unwritable": {
        "th": "เก็บผลการคำนวณของ {store} ไม่ได้ ({reason}) จึงไม่ได้เก็บไว้ ให้เพิ่มพื้นที่ว่างหรือตรวจสอบสิทธิ์ของโฟลเดอร์ ระหว่างนี้ทุกคำสั่งจะคำนวณใหม่เอง",
        "en": "The results of {store} cannot be kept ({reason}); nothing was kept. Free space or check the folder's "
        "permissions; meanwhile every command computes what it shows.",
    },
    "error_unwritable": {
        "th": "เขียนไฟล์ {path} ไม่ได้ ({reason}: พื้นที่ดิสก์เต็มหรืออ่านได้อย่างเดียว) ไม่มีการเปลี่ยนแปลงใด",
        "en": "{path} cannot be written ({reason}; is the disk full or read-only?); nothing changed.",
    },
    "access_disabled": {
        "th": "บัญชี {name} ถูกระงับ โปรดติดต่อผู้ดูแลระบบ",
        "en": "The account {name} is disabled; ask an administrator.",
    },
    "access_bad_name": {
        "th": "ชื่อผู้ใช้ {name}: ต้องยาว 2-64 ตัวอักษร ใช้อักษรอังกฤษตัวเล็ก ตัวเลข และ . _ @ - ขึ้นต้นด้วยอักษรหรือตัวเลข",
        "en": "User name {name}: 2-64 characters, lower-case letters, digits and . _ @ -, starting with a letter or digit.",
    },
    "access_exists": {
        "th": "มีผู้ใช้ {name} อยู่แล้ว ใช้การตั้งรหัสผ่านใหม่แทน",
        "en": "User {name} already exists; reset the password instead.",
    },
    "access_no_user": {"th": "ไม่มีผู้ใช้ {name}", "en": "There is no user {name}."},
    "access_too_short": {
        "th": "รหัสผ่านต้องมีอย่างน้อย {n} ตัวอักษร (รหัสนี้มี {got})",
        "en": "A password needs at least {n} characters; this one has {got}.",
    },
    "driver_no_budget": {
        "th": "ไม่มีงบประมาณให้เบิกจ่ายในปีนี้ (ปิดรายการหรือไม่ได้รับจัดสรร): ไม่มีเป้าเบิกจ่ายให้พลาด",
        "en": "no budget to disburse this year (line closed or not funded): no disbursement target to miss",
    },
    "driver_over_budget": {
        "th": "เบิกจ่ายแล้ว {amount} {unit} ({d} ของงบประมาณ {budget} {unit}) เกินงบประมาณ: งบประมาณถูกปรับลดต่ำกว่า"
        "ยอดที่เบิกจ่ายไปแล้วหรือยังไม่ได้บันทึกการโอนงบ ตรวจสอบงบประมาณ โอกาสไม่ถึงเป้าคิดจากงบประมาณตามที่รายงาน",
        "en": "disbursed {amount} {unit} ({d} of its budget of {budget} {unit}), more than the budget: revised below "
        "what was already paid, or a transfer not recorded? Check the budget; P(miss) takes it as reported",
    },
    "driver_no_warning": {
        "th": "ไม่พบสัญญาณเสี่ยง: เบิกจ่าย {d} เทียบกับแผนสะสม {plan}",
        "en": "no warning sign: disbursed {d} vs {plan} planned to date",
    },
    # validation: why a cell did not parse, and what its column takes (forecast/data/parse.py, validate.py)
    "why_percent": {
        "th": "ค่าร้อยละไม่ใช่จำนวนเงิน ให้กรอกจำนวนเงินเอง",
        "en": "a percent is not an amount; give the amount itself",
    },
    "why_currency_word": {
        "th": "คำบอกสกุลเงินหรือหน่วยทำให้จำนวนกำกวม ให้กรอกเฉพาะตัวเลขในหน่วยของคลังข้อมูล",
        "en": "a currency or unit word makes the amount ambiguous; give the bare number in the store's unit",
    },
    "why_comma_decimal": {
        "th": "ใช้จุลภาค (,) เป็นจุดทศนิยมหรือไม่ ให้ใช้จุด (.) เป็นจุดทศนิยม เช่น 0.5",
        "en": "a comma used as the decimal separator? write the decimal point, e.g. 0.5",
    },
    "why_grouping": {
        "th": "จุลภาคคั่นหลักพันต้องคั่นทุกสามหลัก เช่น 1,234,567.5",
        "en": "thousands separators must group three digits, e.g. 1,234,567.5",
    },
    "why_grouping_int": {
        "th": "จุลภาคคั่นหลักพันต้องคั่นทุกสามหลัก",
        "en": "thousands separators must group three digits",
    },
    "why_decimals": {
        "th": "ทศนิยมเกิน {n} ตำแหน่ง ระบบเก็บจำนวนเงินตามที่ให้มาโดยไม่ปัดเศษ",
        "en": "more than {n} decimals; amounts are kept exactly, never rounded",
    },
    "why_two_digit_year": {
        "th": "ปีสองหลักกำกวม: {d}/{m}/25{y} (พ.ศ.) หรือ {d}/{m}/20{y} (ค.ศ.) ให้เขียนปีเต็มสี่หลัก",
        "en": "a two-digit year is ambiguous: {d}/{m}/25{y} (B.E.) or {d}/{m}/20{y} (C.E.)? Write the year in full",
    },
    "derived_disbursed": {"th": "คำนวณเป็น ผลใช้จ่าย − ผูกพัน = {value}", "en": "derived as spend − committed = {value}"},
    "derived_committed": {"th": "คำนวณเป็น ผลใช้จ่าย − เบิกจ่าย = {value}", "en": "derived as spend − disbursed = {value}"},
    "derived_spend": {"th": "คำนวณเป็น เบิกจ่าย + ผูกพัน = {value}", "en": "derived as disbursed + committed = {value}"},
    "expected_int": {"th": "ต้องเป็นจำนวนเต็ม เช่น 2569", "en": "a whole number, e.g. 2569"},
    "expected_quarter": {"th": "ต้องเป็นเลขไตรมาส 1-4", "en": "a quarter number 1-4"},
    "expected_money": {
        "th": "ต้องเป็นจำนวนเงินในหน่วยของคลังข้อมูล ทศนิยมไม่เกินหกตำแหน่ง เช่น 12.3456, 1,234.5 หรือ (0.7137)",
        "en": "an amount in the store's unit with at most six decimals, e.g. 12.3456, 1,234.5 or (0.7137)",
    },
    "expected_number": {"th": "ต้องเป็นตัวเลข เช่น 1,463 หรือ 96.60", "en": "a number, e.g. 1,463 or 96.60"},
    "expected_text": {"th": "ต้องเป็นข้อความ", "en": "text"},
    "expected_id": {
        "th": "ต้องยาว 1-128 ตัวอักษร ไม่มีอักขระควบคุมหรือช่องว่างหน้าและท้าย เช่น etda-digital-id",
        "en": "1-128 characters without control characters or leading/trailing spaces, e.g. etda-digital-id",
    },
    "expected_name": {
        "th": "ต้องเป็นข้อความไม่เกิน 300 ตัวอักษร ไม่มีอักขระควบคุมหรืออักขระกลับทิศทาง",
        "en": "text of at most 300 characters without control or bidirectional-override characters",
    },
    "expected_date": {
        "th": "ต้องเป็นวันที่ เช่น 2026-03-31, 31/03/2569 หรือ 31 มี.ค. 2569",
        "en": "a date such as 2026-03-31, 31/03/2569 or 31 มี.ค. 2569",
    },
    "expected_bool": {"th": "ต้องเป็น true หรือ false (สะสม / รายไตรมาส)", "en": "true or false (สะสม / รายไตรมาส)"},
    # codes in tables, rendered through ``code(kind, value, lang)`` (the key is "kind:value")
    "action": {"th": "การดำเนินการ", "en": "Action"},
    "table:projects": {"th": "โครงการ", "en": "projects"},
    "table:finance": {"th": "การเงินรายไตรมาส", "en": "finance"},
    "table:kpis": {"th": "ตัวชี้วัด", "en": "kpis"},
    "table:kpi_results": {"th": "ผลตัวชี้วัด", "en": "kpi_results"},
    "table:targets": {"th": "เป้าหมายการเบิกจ่าย", "en": "targets"},
    "basis:no history": {"th": "ไม่มีข้อมูลย้อนหลัง", "en": "no history"},
    "basis:synthetic history": {"th": "ข้อมูลจำลอง", "en": "synthetic history"},
    "basis:history": {"th": "ข้อมูลย้อนหลังจริง", "en": "history"},
    "basis:actual": {"th": "ผลจริง", "en": "actual"},
    "basis:store": {"th": "ข้อมูลในคลังข้อมูล", "en": "store"},
    "model:plan": {"th": "ใช้แผนเป็นค่าคาดการณ์", "en": "plan"},
    "model:run_rate": {"th": "อัตราเฉลี่ยที่ผ่านมา", "en": "run_rate"},
    "model:ytd_plus_plan": {"th": "ผลสะสมบวกแผนที่เหลือ", "en": "ytd_plus_plan"},
    "model:pace": {"th": "ตามจังหวะการเบิกจ่าย", "en": "pace"},
    "model:s_curve": {"th": "เส้นโค้งการเบิกจ่ายในอดีต", "en": "s_curve"},
    "model:structural": {"th": "กฎเชิงโครงสร้าง", "en": "structural"},
    "model:fractional_logit": {"th": "การถดถอยโลจิตของสัดส่วน", "en": "fractional_logit"},
    "model:gbm_quantile": {"th": "ต้นไม้ตัดสินใจบูสต์แบบควอนไทล์", "en": "gbm_quantile"},
    "model:direct_gbm": {"th": "ต้นไม้บูสต์แบบตรงจากตัวแปรไม่กี่ตัว", "en": "direct_gbm"},
    "model:blend": {"th": "แบบจำลองผสม", "en": "blend"},
    "model:rules": {"th": "กฎที่กำหนดไว้", "en": "rules"},
    "model:naive": {"th": "กฎอย่างง่าย", "en": "naive"},
    "model:naive_logistic": {"th": "โลจิสติกอย่างง่าย", "en": "naive_logistic"},
    "model:kpi_logit": {"th": "การถดถอยโลจิสติกของตัวชี้วัด", "en": "kpi_logit"},
    "model:kpi_distribution": {"th": "การแจกแจงเชิงพยากรณ์ของตัวชี้วัด", "en": "kpi_distribution"},
    "model_kind:baseline": {"th": "กฎอย่างง่าย", "en": "baseline"},
    "model_kind:structural": {"th": "กฎเชิงโครงสร้าง", "en": "structural"},
    "model_kind:model": {"th": "แบบจำลองที่เรียนรู้", "en": "model"},
    "kpi_rules_only": {"th": "กฎที่กำหนดไว้ (ไม่มีข้อมูลตัวชี้วัดย้อนหลัง)", "en": "rules (no KPI history)"},
    "signature:signed": {"th": "ลงนามโดยคลังข้อมูลนี้", "en": "signed"},
    "signature:not signed": {"th": "ไม่ได้ลงนามโดยคลังข้อมูลนี้", "en": "not signed by this store"},
    "signature:foreign": {"th": "ชุดจากคลังข้อมูลอื่น ยอมรับโดย {who}", "en": "foreign, accepted by {who}"},
    "unreadable": {"th": "อ่านไม่ได้: {e}", "en": "unreadable: {e}"},
    "via:app": {"th": "แอป", "en": "app"},
    "via:cli": {"th": "บรรทัดคำสั่ง", "en": "cli"},
    "via:api": {"th": "API", "en": "api"},
    "via:sso": {"th": "บัญชีองค์กร", "en": "sso"},
    "via:password": {"th": "รหัสผ่าน", "en": "password"},
    "where_session": {"th": "เซสชันแอป {session}", "en": "app session {session}"},
    "where_session_host": {"th": "เซสชันแอป {session} บนเครื่อง {host}", "en": "app session {session} on {host}"},
    "outcome:ok": {"th": "สำเร็จ", "en": "ok"},
    "outcome:refused": {"th": "ถูกปฏิเสธ", "en": "refused"},
    "outcome:denied": {"th": "ไม่มีสิทธิ์", "en": "denied"},
    "outcome:warning": {"th": "คำเตือน", "en": "warning"},
    "outcome:rolled back": {"th": "ยกเลิกการบันทึกที่ค้าง", "en": "rolled back"},
    "audit:recover": {"th": "กู้คืนการบันทึกที่ค้าง", "en": "recover"},
    "audit:seal": {"th": "ผนึกคลังข้อมูลด้วยกุญแจ", "en": "seal"},
    "severity:error": {"th": "ข้อผิดพลาด", "en": "error"},
    "severity:warning": {"th": "คำเตือน", "en": "warning"},
    "era:BE": {"th": "พ.ศ.", "en": "B.E."},
    "era:CE": {"th": "ค.ศ.", "en": "C.E."},
    "fiscal_year_label": {"th": "ปีงบประมาณ {era} {fy} ({span})", "en": "FY {fy} {era} ({span})"},
    "audit:sign in": {"th": "เข้าสู่ระบบ", "en": "sign in"},
    "audit:sign out": {"th": "ออกจากระบบ", "en": "sign out"},
    "audit:api sign-in": {"th": "เข้าสู่ระบบผ่าน API", "en": "api sign-in"},
    "audit:user add": {"th": "เพิ่มผู้ใช้", "en": "user add"},
    "audit:user passwd": {"th": "ตั้งรหัสผ่านใหม่", "en": "user passwd"},
    "audit:user disable": {"th": "ระงับผู้ใช้", "en": "user disable"},
    "audit:user enable": {"th": "เปิดใช้งานผู้ใช้", "en": "user enable"},
    "audit:user role": {"th": "เปลี่ยนบทบาทผู้ใช้", "en": "user role"},
    "audit:user reset": {"th": "ออกรหัสผ่านใช้ครั้งเดียวใหม่", "en": "user reset"},
    "audit:token issue": {"th": "ออกโทเคน", "en": "token issue"},
    "audit:token revoke": {"th": "เพิกถอนโทเคน", "en": "token revoke"},
    "audit:create store": {"th": "สร้างคลังข้อมูล", "en": "create store"},
    "audit:ingest": {"th": "นำเข้าข้อมูล", "en": "ingest"},
    "audit:train": {"th": "ฝึกแบบจำลอง", "en": "train"},
    "audit:activate": {"th": "เปลี่ยนชุดแบบจำลองที่ใช้งาน", "en": "activate"},
    "audit:export": {"th": "ส่งออกข้อมูล", "en": "export"},
    "audit:download": {"th": "ดาวน์โหลด", "en": "download"},
    "audit:save what-if": {"th": "บันทึกสถานการณ์สมมติ", "en": "save what-if"},
    "audit:view": {"th": "ดูรายงาน", "en": "view"},
    "audit:validate": {"th": "ตรวจสอบไฟล์", "en": "validate"},
    "audit:save_whatif": {"th": "บันทึกสถานการณ์สมมติ", "en": "save_whatif"},
    "audit:set_targets": {"th": "ตั้งเป้าหมาย", "en": "set_targets"},
    "audit:manage_users": {"th": "จัดการผู้ใช้", "en": "manage_users"},
    "audit:read_audit": {"th": "อ่านบันทึกการใช้งาน", "en": "read_audit"},
    "audit:create_store": {"th": "สร้างคลังข้อมูล", "en": "create_store"},
    "target_vintage": {"th": "ชุดข้อมูลที่ {n}", "en": "vintage {n}"},
    "target:no change": {"th": "ไม่มีการเปลี่ยนแปลง", "en": "no change"},
    "note:embedded reference data": {"th": "ข้อมูลอ้างอิงที่มากับโปรแกรม", "en": "embedded reference data"},
    "note:uploaded in the app": {"th": "อัปโหลดผ่านแอป", "en": "uploaded in the app"},
    "library_changed": {"th": "{lib} รุ่น {was} ตอนฝึก ตอนนี้รุ่น {now}", "en": "{lib} {was} at training, {now} now"},
    "model_set_line": {
        "th": "{v} · {basis} · {source} · ปีงบประมาณ {years} · {rows} แถว · {at} · {by} · รุ่นโปรแกรม {code}",
        "en": "{v} · {basis} · {source} · {years} · {rows} rows · {at} · {by} · code {code}",
    },
    "source_store": {"th": "ปีงบประมาณที่ครบปีใน {label}", "en": "complete fiscal years in {label}"},
    "ingested:embedded": {"th": "มากับโปรแกรม", "en": "embedded"},
    "targets_note": {"th": "เป้าหมายปีงบประมาณ {y}", "en": "targets for fiscal year {y}"},
    "author_via": {"th": "{who} ({via})", "en": "{who} ({via})"},
    "audit_target": {"th": "รายการที่ดำเนินการ", "en": "Target"},
    "details": {"th": "รายละเอียดของรายการ (ข้อมูลดิบ)", "en": "An entry's details (raw)"},
    "entry": {"th": "รายการที่", "en": "Entry"},
    "rows_word": {"th": "แถว", "en": "rows"},
    "yes": {"th": "ใช่", "en": "yes"},
    "no": {"th": "ไม่ใช่", "en": "no"},
    # Streamlit's own words on its widgets (the uploader, input hints, lists), put in the chosen language
    # in the browser by ui/relabel.js; the English is Streamlit's, matched exactly
    "st:Upload": {"th": "อัปโหลด", "en": "Upload"},
    "st:Upload directories": {"th": "อัปโหลดโฟลเดอร์", "en": "Upload directories"},
    "st:Add files": {"th": "เพิ่มไฟล์", "en": "Add files"},
    "st:Drag and drop files here": {"th": "ลากไฟล์มาวางที่นี่", "en": "Drag and drop files here"},
    "st:Drag and drop a file here": {"th": "ลากไฟล์หนึ่งไฟล์มาวางที่นี่", "en": "Drag and drop a file here"},
    "st:Drag and drop directories here": {"th": "ลากโฟลเดอร์มาวางที่นี่", "en": "Drag and drop directories here"},
    "st:{size} per file": {"th": "ไม่เกิน {size} ต่อไฟล์", "en": "{size} per file"},
    "st:Press Enter to apply": {"th": "กด Enter เพื่อใช้ค่านี้", "en": "Press Enter to apply"},
    "st:Press Enter to submit form": {"th": "กด Enter เพื่อส่งแบบฟอร์ม", "en": "Press Enter to submit form"},
    "st:No results": {"th": "ไม่พบรายการ", "en": "No results"},
    "st:No options to select": {"th": "ไม่มีตัวเลือก", "en": "No options to select"},
    "st:Choose an option": {"th": "เลือกหนึ่งรายการ", "en": "Choose an option"},
    "st:Choose options": {"th": "เลือกรายการ", "en": "Choose options"},
    "st:Clear all": {"th": "ล้างทั้งหมด", "en": "Clear all"},
    "upload_help": {
        "th": "ลากไฟล์มาวาง หรือกดปุ่มอัปโหลด: ไฟล์ CSV, XLSX หรือ Parquet ไม่เกิน {mb} MB ต่อไฟล์ "
        "ตั้งชื่อไฟล์ตามชื่อตารางในแบบฟอร์ม (หรือสมุดงานเดียวที่มีชีตตามชื่อตาราง)",
        "en": "Drop files or press Upload: CSV, XLSX or Parquet files of at most {mb} MB each, named after the "
        "template's tables (or one workbook with a sheet per table)",
    },
    # exports
    "sheet_ranking": {"th": "จัดอันดับความเสี่ยง", "en": "Risk ranking"},
    "sheet_portfolio": {"th": "ภาพรวมหน่วยงาน", "en": "Portfolio"},
    "sheet_reallocation": {"th": "ข้อเสนอการโอน", "en": "Reallocation"},
    "sheet_reallocation_effect": {"th": "ผลของการโอน", "en": "Reallocation effect"},
    "sheet_projections": {"th": "คาดการณ์รายโครงการ", "en": "Projections"},
    "sheet_kpis": {"th": "คาดการณ์ตัวชี้วัด", "en": "KPI projections"},
    "sheet_internals": {"th": "ข้อมูลประกอบ", "en": "Internals"},
    "sheet_notes": {"th": "ข้อสังเกต", "en": "Notes"},
    "top_risks": {"th": "โครงการที่มีความเสี่ยงสูงสุด", "en": "The riskiest projects"},
    "download_pdf": {"th": "สรุปหนึ่งหน้าสำหรับผู้บริหาร (PDF)", "en": "One-page summary for management (PDF)"},
    # models
    "active_set": {"th": "ชุดแบบจำลองที่ใช้งาน", "en": "Active model set"},
    "no_models": {
        "th": "ยังไม่มีชุดแบบจำลอง: ใช้แบบจำลองเชิงโครงสร้าง (ไม่มีข้อมูลย้อนหลัง)",
        "en": "No model set yet: projections use the structural model (no history).",
    },
    "backtest": {"th": "ผลทดสอบย้อนหลังเทียบกับกฎอย่างง่าย", "en": "Backtest against the simple rules"},
    "kpi_model": {"th": "แบบจำลองตัวชี้วัด", "en": "KPI model"},
    "kpi_trained": {
        "th": "เรียนรู้จากปีงบประมาณ {y} ({n} ตัวชี้วัด-ปี) แบบจำลองที่ดีที่สุด {c} คะแนน Brier {b}",
        "en": "Trained on fiscal years {y} ({n} KPI-years): champion {c}, Brier score {b}",
    },
    "kpi_not_trained": {
        "th": "ไม่ได้เรียนรู้แบบจำลองตัวชี้วัด: {r} ใช้กฎ (ไม่มีข้อมูลย้อนหลัง)",
        "en": "No KPI model: {r}; KPIs use the rules (no history)",
    },
    "money_not_trained": {
        "th": "ไม่ได้เรียนรู้แบบจำลองการเบิกจ่าย: {r} ใช้กฎเชิงโครงสร้าง",
        "en": "No money model: {r}; projections use the structural rule",
    },
    "history_no_kpis": {"th": "ข้อมูลย้อนหลังไม่มีตัวชี้วัด", "en": "the history has no KPIs"},
    "too_few_kpi_years": {
        "th": "มีผลตัวชี้วัดครบปี {n} ปี ต้องมีอย่างน้อย {need} ปี",
        "en": "the KPI history has {n} complete fiscal years; at least {need} are needed",
    },
    "too_few_years": {
        "th": "มีข้อมูลการเงินครบปี {n} ปี ต้องมีอย่างน้อย {need} ปี",
        "en": "the finance history has {n} complete fiscal years; at least {need} are needed",
    },
    "rules_better": {
        "th": "กฎได้คะแนนดีกว่าแบบจำลองในการทดสอบย้อนหลัง",
        "en": "the rules scored better than the fitted model in the backtest",
    },
    "kpi_baseline_wins": {
        "th": "คำเตือน: กฎอย่างง่าย {m} ได้คะแนนดีกว่าแบบจำลองที่เลือก",
        "en": "Warning: the simple rule {m} scored better than the champion",
    },
    "retrain": {"th": "ฝึกแบบจำลองใหม่จากข้อมูลย้อนหลังที่อัปโหลด", "en": "Retrain from an uploaded history"},
    "train_button": {"th": "เริ่มฝึกแบบจำลอง", "en": "Train"},
    "trained": {"th": "บันทึกชุดแบบจำลอง {v} และตั้งเป็นชุดที่ใช้งาน", "en": "Saved model set {v} and made it active."},
    "trained_waiting": {
        "th": "บันทึกชุดแบบจำลอง {v} แล้ว รอผู้ดูแลระบบอนุมัติการใช้งาน (ชุดเดิมยังใช้งานอยู่)",
        "en": "Saved model set {v}; it waits for an administrator's activation (the active set is unchanged).",
    },
    "awaits_activation": {"th": "รอผู้ดูแลระบบอนุมัติ", "en": "awaits an administrator's activation"},
    "switch": {"th": "เปลี่ยนชุดที่ใช้งาน", "en": "Switch the active set"},
    "activate": {"th": "ใช้งานชุดนี้", "en": "Activate"},
    "basis_no_history": {
        "th": "ไม่มีข้อมูลย้อนหลัง: คาดการณ์จากแบบจำลองเชิงโครงสร้าง (ภาระผูกพัน + อัตราการเบิกจ่าย) "
        "ช่วง p10–p90 เป็นสถานการณ์สมมติ ยังไม่ได้สอบเทียบ",
        "en": "No history: projections come from the structural model (commitment conversion "
        "plus pace); the p10–p90 range is a scenario, not calibrated.",
    },
    "basis_synthetic": {
        "th": "ข้อมูลจำลอง: ชุดแบบจำลอง {v} ฝึกจากข้อมูลสังเคราะห์ ไม่ใช่ข้อมูลจริงของหน่วยงาน",
        "en": "Synthetic history: model set {v} was trained on simulated data, not this agency's past.",
    },
    "basis_history": {"th": "ฝึกจากข้อมูลย้อนหลังจริง (ชุด {v})", "en": "Trained on real history (model set {v})."},
    "basis_foreign_unverified": {
        "th": "ชุดแบบจำลองจากคลังข้อมูลอื่น (ตรวจสอบที่มาไม่ได้): ชุด {v} ฝึกสำหรับคลังข้อมูลอื่นและได้รับการยอมรับในคลังนี้ "
        "ไม่สามารถตรวจสอบได้ว่าฝึกจากข้อมูลใด",
        "en": "Foreign (unverified): model set {v} was trained for another store and accepted here; where its "
        "training data came from cannot be verified.",
    },
    "basis_foreign_synthetic": {
        "th": "ชุดแบบจำลองจากคลังข้อมูลอื่น ฝึกจากข้อมูลจำลอง: ชุด {v} ไม่ได้ฝึกจากข้อมูลจริงของหน่วยงาน",
        "en": "Foreign, synthetic history: model set {v} was trained for another store on simulated data, not this "
        "agency's past.",
    },
    "basis_foreign_history": {
        "th": "ชุดแบบจำลองจากคลังข้อมูลอื่น: ชุด {v} ฝึกสำหรับคลังข้อมูลอื่น จากข้อมูลย้อนหลังของคลังนี้เอง",
        "en": "Foreign: model set {v} was trained for another store, on this store's own history.",
    },
    "kpi_basis_rules": {
        "th": "ตัวชี้วัด: ใช้กฎที่กำหนดไว้ (ไม่มีข้อมูลย้อนหลัง) และถือว่าตัวชี้วัดของโครงการเดียวกันเคลื่อนไปด้วยกัน (สหสัมพันธ์ 0.30)",
        "en": "KPIs: documented rules (no history); a project's KPIs are assumed to move together (correlation 0.30).",
    },
    "kpi_basis_history": {
        "th": "ตัวชี้วัด: แบบจำลองที่เรียนรู้จากผลตัวชี้วัดย้อนหลังจริง (ชุด {v})",
        "en": "KPIs: fitted on real KPI history (model set {v}).",
    },
    "kpi_basis_synthetic": {
        "th": "ตัวชี้วัด: แบบจำลองเรียนรู้จากข้อมูลจำลอง ไม่ใช่ข้อมูลจริงของหน่วยงาน (ชุด {v})",
        "en": "KPIs: fitted on SYNTHETIC history, not this agency's past (model set {v}).",
    },
    "kpi_basis_foreign": {
        "th": "ตัวชี้วัด: แบบจำลองของชุด {v} ซึ่งฝึกสำหรับคลังข้อมูลอื่น ({basis})",
        "en": "KPIs: fitted by model set {v}, trained for another store ({basis}).",
    },
    # the command line: the notes printed with its tables, and its messages
    "cli_more_columns": {
        "th": "ยังมีอีก {n} คอลัมน์ ({names}): ใช้ --wide หรือ --format csv",
        "en": "{n} more column(s) ({names}): use --wide, or --format csv.",
    },
    "cli_data": {
        "th": "ตาราง {table} ณ วันที่ {as_of} — {store}; จำนวนเงินเป็น{unit}",
        "en": "{table} as of {as_of} — {store}; amounts in {unit}",
    },
    "cli_vintages": {
        "th": "คลังข้อมูล: {store}; ปีงบประมาณเริ่มเดือนที่ {month} นับศักราช {era}; จำนวนเงินเป็น{unit}",
        "en": "Store: {store}; calendar: start month {month}, era {era}; amounts in {unit}",
    },
    "cli_models": {"th": "ชุดแบบจำลองใน {folder}", "en": "Model sets in {folder}"},
    "cli_models_none": {
        "th": "ชุดแบบจำลองใน {folder}: ยังไม่มี คาดการณ์ด้วยแบบจำลองเชิงโครงสร้าง (ไม่มีข้อมูลย้อนหลัง) "
        "ฝึกแบบจำลองได้ด้วย `forecast train`",
        "en": "Model sets in {folder}: none yet; projections use the structural model (no history). Train with "
        "`forecast train`.",
    },
    "cli_projection": {
        "th": "คาดการณ์สิ้นปีงบประมาณ ณ วันที่ {as_of} หน่วย{unit} - {store}",
        "en": "Year-end projection as of {as_of}, {unit} - {store}",
    },
    "cli_library": {
        "th": "หมายเหตุ: รุ่นของไลบรารีต่างจากตอนฝึกแบบจำลอง: {w}",
        "en": "Note: library version differs from training: {w}",
    },
    "cli_basis_no_history": {
        "th": "ที่มา: ไม่มีข้อมูลย้อนหลัง - แบบจำลองเชิงโครงสร้าง (ภาระผูกพันที่แปลงเป็นการเบิกจ่าย และอัตราการเบิกจ่าย) "
        "ของโครงการปัจจุบัน ช่วง p10-p90 เป็นสถานการณ์สมมติ ยังไม่ได้สอบเทียบ ฝึกแบบจำลองจากข้อมูลย้อนหลังด้วย "
        "`forecast train`",
        "en": "Basis: NO HISTORY - structural model (commitment conversion plus pace) of the current portfolio; "
        "its p10-p90 range is a scenario, not calibrated. Train on history with `forecast train`.",
    },
    "cli_basis_synthetic": {
        "th": "ที่มา: ข้อมูลจำลอง - ชุดแบบจำลอง {v} ฝึกจากข้อมูลสังเคราะห์ ไม่ใช่ข้อมูลในอดีตของหน่วยงาน ใช้ทดลองระบบได้ แต่ไม่ควรใช้ตัดสินใจ",
        "en": "Basis: SYNTHETIC HISTORY - model set {v} was trained on simulated data, not on this agency's past; "
        "use it to exercise the product, not to decide.",
    },
    "cli_basis_history": {"th": "ที่มา: ข้อมูลย้อนหลังจริง - ชุดแบบจำลอง {v}", "en": "Basis: history - model set {v}."},
    "cli_basis_foreign_unverified": {
        "th": "ที่มา: ชุดแบบจำลองจากคลังข้อมูลอื่น (ตรวจสอบที่มาไม่ได้) - ชุดแบบจำลอง {v} ฝึกสำหรับคลังข้อมูลอื่นและได้รับการยอมรับ"
        "ในคลังนี้ ไม่สามารถตรวจสอบได้ว่าฝึกจากข้อมูลใด",
        "en": "Basis: FOREIGN (UNVERIFIED) - model set {v} was trained for another store and accepted here; where "
        "its training data came from cannot be verified.",
    },
    "cli_basis_foreign_synthetic": {
        "th": "ที่มา: ชุดแบบจำลองจากคลังข้อมูลอื่น ฝึกจากข้อมูลจำลอง - ชุดแบบจำลอง {v} ไม่ได้ฝึกจากข้อมูลในอดีตของหน่วยงาน "
        "ใช้ทดลองระบบได้ แต่ไม่ควรใช้ตัดสินใจ",
        "en": "Basis: FOREIGN, SYNTHETIC HISTORY - model set {v} was trained for another store on simulated data, not "
        "on this agency's past; use it to exercise the product, not to decide.",
    },
    "cli_basis_foreign_history": {
        "th": "ที่มา: ชุดแบบจำลองจากคลังข้อมูลอื่น - ชุดแบบจำลอง {v} ฝึกสำหรับคลังข้อมูลอื่น จากข้อมูลย้อนหลังของคลังนี้เอง",
        "en": "Basis: FOREIGN - model set {v} was trained for another store, on this store's own history.",
    },
    "cli_word_history": {"th": "ข้อมูลย้อนหลังจริง", "en": "HISTORY"},
    "cli_word_synthetic": {"th": "ข้อมูลจำลอง", "en": "SYNTHETIC HISTORY"},
    "cli_word_foreign_unverified": {"th": "ชุดจากคลังข้อมูลอื่น ตรวจสอบที่มาไม่ได้", "en": "FOREIGN, UNVERIFIED"},
    "cli_word_foreign_synthetic": {"th": "ชุดจากคลังข้อมูลอื่น ข้อมูลจำลอง", "en": "FOREIGN, SYNTHETIC HISTORY"},
    "cli_word_foreign_history": {"th": "ชุดจากคลังข้อมูลอื่น ข้อมูลย้อนหลังของคลังนี้", "en": "FOREIGN, this store's history"},
    "cli_kpi_fitted": {
        "th": "ตัวชี้วัด: แบบจำลองตัวชี้วัดของชุดแบบจำลอง {v} ({basis})",
        "en": "KPIs: fitted KPI model of model set {v} ({basis}).",
    },
    "cli_kpi_rules": {
        "th": "ตัวชี้วัด: ใช้กฎที่กำหนดไว้ (ไม่มีข้อมูลย้อนหลัง) และถือว่าตัวชี้วัดของโครงการเดียวกันเคลื่อนไปด้วยกัน (สหสัมพันธ์ 0.30)",
        "en": "KPIs: documented rules (NO HISTORY); a project's KPIs are assumed to move together (correlation 0.30).",
    },
    "cli_no_commitments": {
        "th": "หน่วยงานไม่ได้รายงานภาระผูกพัน: ผลใช้จ่ายและโอกาสเหลือเงินเว้นว่างไว้",
        "en": "Commitments not reported: spend and P(money unused) are left empty.",
    },
    "cli_kpi_summary": {
        "th": "การบรรลุตัวชี้วัด ณ วันที่ {as_of} - {store}: {n} ตัวชี้วัด ({counts}) โอกาสถึงเป้า{source}",
        "en": "KPI attainment as of {as_of} - {store}: {n} KPIs ({counts}). Chances are {source}.",
    },
    "cli_kpi_source_model": {
        "th": "คำนวณจากแบบจำลองตัวชี้วัดของชุดแบบจำลอง {v} ({basis})",
        "en": "from the KPI model of model set {v} ({basis})",
    },
    "cli_kpi_source_rules": {
        "th": "คำนวณจากกฎที่กำหนดไว้ (ไม่มีข้อมูลย้อนหลัง)",
        "en": "from documented rules (NO HISTORY)",
    },
    "cli_no_kpis": {"th": "ไม่มีตัวชี้วัด", "en": "no KPIs"},
    "cli_no_projects": {
        "th": "ไม่มีโครงการใน {store} ณ วันที่ {as_of} นำเข้ารายงานก่อน (forecast ingest)",
        "en": "No projects in {store} as of {as_of}; ingest a report first (forecast ingest).",
    },
    "cli_rank": {
        "th": "จัดอันดับความเสี่ยง ณ วันที่ {as_of} - {store}: {levels} {rule}; {source}",
        "en": "Risk ranking as of {as_of} - {store}: {levels}. {rule}; {source}.",
    },
    "cli_compared": {
        "th": "เทียบกับรายงานวันที่ {date}: อันดับเปลี่ยน {n} โครงการ; เพิ่งเข้าสู่ความเสี่ยงสูง: {ids}",
        "en": "Compared with the report of {date}: {n} project(s) moved; newly high risk: {ids}.",
    },
    "cli_portfolio": {
        "th": "ภาพรวม ณ วันที่ {as_of} หน่วย{unit} - {store}; {source} {totals} ที่มา: {basis}",
        "en": "Portfolio as of {as_of}, {unit} - {store}; {source}. {totals} Basis: {basis}.",
    },
    "cli_totals_actual": {
        "th": "ทุกรายการสิ้นปีงบประมาณแล้ว: ยอดรวมเป็นผลรวมของผลจริง",
        "en": "Every line's year is over: totals are sums of actuals.",
    },
    "cli_totals_draws": {
        "th": "ยอดรวมมาจากการจำลองทุกโครงการพร้อมกัน ไม่ใช่ผลรวมของควอนไทล์รายโครงการ",
        "en": "Totals are sums of joint draws, not sums of quantiles.",
    },
    "cli_audit": {
        "th": "บันทึกการใช้งานของ {store}: {n} รายการ{since}; {chain}",
        "en": "Audit trail of {store}: {n} {entries}{since}; {chain}",
    },
    "cli_entry": {"th": "รายการ", "en": "entry"},
    "cli_entries": {"th": "รายการ", "en": "entries"},
    "cli_since": {"th": " ตั้งแต่วันที่ {date}", "en": " since {date}"},
    "cli_chain_holds": {"th": "สายโซ่ของบันทึกสมบูรณ์", "en": "the chain holds."},
    "cli_chain_broken": {"th": "สายโซ่ของบันทึกขาด (บันทึกถูกแก้ไข): {e}", "en": "THE CHAIN IS BROKEN: {e}"},
    # reallocation advice (``decisions.reallocation``)
    "realloc_title": {"th": "ข้อเสนอการโอนเปลี่ยนแปลงงบประมาณ", "en": "Where the money should go: proposed transfers"},
    "realloc_caption": {
        "th": "โอนจากโครงการที่จะเหลือเงินไม่ได้ใช้ (ความมั่นใจ 90%) ไปยังโครงการที่ใช้เงินเพิ่มได้ ภายในแผนงานเดียวกัน "
        "ไม่เกิน 20% ของงบโครงการที่โอน; ผลคำนวณจากการจำลองทุกโครงการพร้อมกัน เป็นข้อเสนอเท่านั้น ไม่ได้เปลี่ยนงบประมาณ",
        "en": "From projects that will leave money unused (90% certainty) to projects that can disburse more, within "
        "each plan line, at most 20% of a donor's budget; the effect from joint draws of every project. Advice "
        "only: no budget is changed.",
    },
    "realloc_pmiss": {"th": "โอกาสทั้งหน่วยงานไม่ถึงเป้า ก่อน → หลังโอน", "en": "P(the agency misses) before → after"},
    "realloc_unused": {"th": "เงินเหลือไม่ได้ใช้ที่คาด ก่อน → หลังโอน", "en": "Expected unused money before → after"},
    "realloc_unused_range": {"th": "ช่วง p10–p90: ก่อน {b} หลัง {a}", "en": "p10–p90: before {b}, after {a}"},
    "realloc_whatif": {"th": "ลองปรับการโอนเอง", "en": "What if: edit the transfers"},
    "realloc_from": {"th": "โอนจาก", "en": "From"},
    "realloc_to": {"th": "โอนให้", "en": "To"},
    "realloc_amount": {"th": "จำนวนเงิน", "en": "Amount"},
    "realloc_save": {"th": "บันทึกแผนการโอนนี้", "en": "Save this plan"},
    "realloc_saved": {
        "th": "บันทึกแผนการโอนแล้ว (บันทึกในประวัติการใช้งาน)",
        "en": "Plan saved (recorded in the audit trail).",
    },
    "realloc_sign_in": {"th": "เข้าสู่ระบบเพื่อบันทึกแผนการโอน", "en": "Sign in to save a plan."},
    "realloc_pdf": {
        "th": "ข้อเสนอการโอน: {n} รายการ รวม {amount} {unit}; โอกาสไม่ถึงเป้า {before} → {after}",
        "en": "Proposed transfers: {n}, {amount} {unit} in all; P(miss) {before} → {after}",
    },
    "realloc_reason_rule": {
        "th": "{donor} จะเหลือเงินไม่ได้ใช้อย่างน้อย {unused} {unit} ด้วยความมั่นใจ {certainty}; {receiver} "
        "มีภาระผูกพันเกินงบ {beyond} {unit} และเบิกจ่ายเดือนละ {rate} {unit} (ข้อสมมติ: ไม่มีข้อมูลย้อนหลัง "
        "คาดว่าเบิกจ่ายได้ {share} ของเงินที่ได้รับ)",
        "en": "{donor} will leave {unused} {unit} unused with {certainty} certainty; {receiver} has {beyond} {unit} "
        "committed beyond its budget and disburses {rate} a month (assumption, no history: {share} of what it "
        "gets is disbursed)",
    },
    "realloc_reason_pace": {
        "th": "{donor} จะเหลือเงินไม่ได้ใช้อย่างน้อย {unused} {unit} ด้วยความมั่นใจ {certainty}; {receiver} "
        "เบิกจ่ายเดือนละ {rate} {unit} ซึ่งจะเกินงบ {excess} {unit} ภายในสิ้นปี (ข้อสมมติ: ไม่มีข้อมูลย้อนหลัง "
        "คาดว่าเบิกจ่ายได้ {share} ของเงินที่ได้รับ)",
        "en": "{donor} will leave {unused} {unit} unused with {certainty} certainty; {receiver} disburses {rate} a "
        "month, which would pass its budget by {excess} by the year end (assumption, no history: {share} of what "
        "it gets is disbursed)",
    },
    "realloc_reason_model": {
        "th": "{donor} จะเหลือเงินไม่ได้ใช้อย่างน้อย {unused} {unit} ด้วยความมั่นใจ {certainty}; {receiver} "
        "เบิกจ่ายเดือนละ {rate} {unit} และคาดว่าจะเบิกจ่ายได้ {share} ของเงินที่เพิ่มให้ (เรียนรู้จากการเพิ่มงบ "
        "{raises} ครั้งในข้อมูลย้อนหลัง)",
        "en": "{donor} will leave {unused} {unit} unused with {certainty} certainty; {receiver} disburses {rate} a "
        "month and is expected to disburse {share} of an increase (learned from {raises} budget raises in the "
        "history)",
    },
    "realloc_none_releasable": {
        "th": "ไม่เสนอการโอน: ไม่มีโครงการใดที่จะเหลือเงินไม่ได้ใช้ด้วยความมั่นใจ {certainty}",
        "en": "No transfer proposed: no project will leave money unused with {certainty} certainty.",
    },
    "realloc_none_absorbable": {
        "th": "ไม่เสนอการโอน: มีเงินที่โอนออกได้ {releasable} แต่ไม่มีโครงการใดที่ใช้เงินเพิ่มได้ทันสิ้นปี",
        "en": "No transfer proposed: {releasable} could be released, but no project could disburse more by "
        "the year end.",
    },
    "realloc_none_pair": {
        "th": "ไม่เสนอการโอน: โครงการที่โอนออกได้และโครงการที่รับได้อยู่ต่าง{within}กัน",
        "en": "No transfer proposed: the projects that could give and those that could take are in different "
        "{within} groups.",
    },
    "realloc_assumption": {
        "th": "เงินที่รับเพิ่มได้คำนวณจากกฎที่กำหนดไว้ (ข้อสมมติ: ไม่มีข้อมูลย้อนหลังของการเพิ่มงบ): ภาระผูกพันเกินงบ "
        "บวกส่วนที่เบิกจ่ายตามอัตราปัจจุบันจะเกินงบ ไม่เกินครึ่งหนึ่งของงบ",
        "en": "What a project can take is a documented rule (assumption, no history of budget raises): commitments "
        "beyond its budget plus what its monthly pace would disburse beyond it, at most half its budget.",
    },
    "realloc_break_group": {
        "th": "การโอนจาก {donor} ไป {receiver} ข้ามกลุ่ม",
        "en": "the transfer from {donor} to {receiver} leaves the group",
    },
    "realloc_break_share": {
        "th": "การโอนจาก {donor} เกิน {share} ของงบของโครงการที่โอน",
        "en": "a transfer from {donor} is more than {share} of its budget",
    },
    "realloc_break_releasable": {
        "th": "{project} โอนออกเกินเงินที่โอนออกได้ ({amount})",
        "en": "{project} gives more than its releasable ({amount})",
    },
    "realloc_break_absorbable": {
        "th": "{project} รับเกินเงินที่รับเพิ่มได้ ({amount})",
        "en": "{project} takes more than its absorbable ({amount})",
    },
    "within_agency": {"th": "หน่วยงาน", "en": "agency"},
    "within_plan_line": {"th": "แผนงาน", "en": "plan line"},
    "within_owner": {"th": "ผู้รับผิดชอบ", "en": "owner"},
    "cli_reallocate": {
        "th": "ข้อเสนอการโอนงบประมาณ ณ วันที่ {as_of} หน่วย{unit} - {store}: โอนภายใน{within} ความมั่นใจ {certainty} "
        "โอนได้ไม่เกิน {share} ของงบโครงการที่โอน; {source}. ทั้งหมด: โอกาสไม่ถึงเป้า {before} -> {after}, "
        "เงินเหลือไม่ได้ใช้ที่คาด {unused_before} -> {unused_after}. เป็นข้อเสนอเท่านั้น ไม่ได้เปลี่ยนงบประมาณ",
        "en": "Reallocation advice as of {as_of}, {unit} - {store}: transfers within each {within}, {certainty} "
        "certainty, at most {share} of a donor's budget; {source}. Whole: P(miss) {before} -> {after}, expected "
        "unused {unused_before} -> {unused_after}. Advice only: no budget is changed.",
    },
    "cli_reallocate_none": {"th": "ไม่มีข้อเสนอการโอน", "en": "no transfers"},
    # errors a user can fix (``ForecastError.key``), filled with the error's ``params``
    "error_as_of_before_first": {
        "th": "ไม่มีรายงาน ณ วันที่ {day} หรือก่อนหน้านั้น: รายงานฉบับแรกลงวันที่ {first}",
        "en": "there is no report on or before {day}: the first report is dated {first}.",
    },
    # an unusual year and drift (``decisions.unusual``): codes and figures, said by ``note_text``
    "unusual_year": {
        "th": "ปีนี้ผิดปกติ: ณ ไตรมาส {q} โครงการที่อยู่กึ่งกลาง (มัธยฐานของ {lines} โครงการ) เบิกจ่ายแล้ว {value} "
        "ของงบประมาณ เทียบกับ {seen_lo}–{seen_hi} ณ จุดเดียวกันของ {years} ปีอื่นในประวัติของชุดแบบจำลอง "
        "({first}–{last}) ช่วงปกติของปีใหม่คือ {lo}–{hi} (95% ของปี)",
        "en": "An unusual year: at Q{q} the median line (of {lines}) has disbursed {value} of its budget, against "
        "{seen_lo}–{seen_hi} at this point in the model set's {years} other years of history ({first}–{last}); "
        "an ordinary year would lie within {lo}–{hi} (95% of years).",
    },
    "unusual_agencies": {
        "th": "{n} จาก {of} หน่วยงานผิดปกติ ณ ไตรมาส {q} (โดยบังเอิญราว {expected:g} หน่วยงาน): {agencies}",
        "en": "{n} of {of} agencies are unusual at Q{q} (about {expected:g} would be by chance): {agencies}.",
    },
    "unusual_agency": {
        "th": "{agency} {value} (ปกติ {lo}–{hi})",
        "en": "{agency} {value} (usual {lo}–{hi})",
    },
    "unusual_more": {"th": "และอีก {n} หน่วยงาน", "en": "and {n} more"},
    "year_beyond_history": {
        "th": "ปีนี้อยู่นอกช่วงที่ประวัติเคยเห็น: ณ ไตรมาส {q} โครงการที่อยู่กึ่งกลาง (มัธยฐานของ {lines} โครงการ) "
        "เบิกจ่ายแล้ว {value} ของงบประมาณ เทียบกับ {seen_lo}–{seen_hi} ของ {years} ปีอื่นในประวัติของชุดแบบจำลอง "
        "({first}–{last})",
        "en": "A year beyond the history: at Q{q} the median line (of {lines}) has disbursed {value} of its budget, "
        "beyond the {seen_lo}–{seen_hi} of the model set's {years} other years of history ({first}–{last}).",
    },
    "unusual_widened": {
        "th": "ช่วงคาดการณ์ถูกขยายด้าน{side} {stretch:g} เท่า (ปีนี้เกินปีที่เคยเห็น {excess} จุดร้อยละของงบประมาณ "
        "เทียบกับความผันผวนระหว่างปี {sd} จุดร้อยละ) และโอกาสไม่บรรลุเป้าคำนวณจากช่วงที่ขยายแล้ว",
        "en": "Ranges widened on the {side} side ×{stretch:g} (the year lies {excess} percentage points of budget "
        "beyond the years seen, against a spread of {sd} points between years), and P(miss) is computed from the "
        "widened ranges.",
    },
    "side_upper": {"th": "บน", "en": "upper"},
    "side_lower": {"th": "ล่าง", "en": "lower"},
    "unusual_not_widened": {
        "th": "ไม่ได้ขยายช่วงคาดการณ์และโอกาสไม่บรรลุเป้า: ประวัติไม่เคยมีปีเช่นนี้ ช่วงจึงอาจแคบเกินไป",
        "en": "Ranges and P(miss) not widened: the history held no such year, so they may be too narrow.",
    },
    "unusual_agencies_not_widened": {
        "th": "ไม่ได้ขยายช่วงคาดการณ์และโอกาสไม่บรรลุเป้าของหน่วยงานเหล่านี้: ช่วงจะขยายตามภาพรวมของทั้งปี "
        "ไม่ใช่รายหน่วยงาน ช่วงของโครงการในหน่วยงานเหล่านี้จึงอาจแคบเกินไป",
        "en": "Ranges and P(miss) not widened for these agencies: ranges are widened for the year as a whole, not "
        "agency by agency, so their lines' ranges may be too narrow.",
    },
    "drift": {
        "th": "โครงการปีนี้ต่างจากประวัติที่ชุดแบบจำลองเรียนรู้ ณ ไตรมาส {q}: {features} (คาดไว้ {expected}) "
        "การคาดการณ์ในส่วนนี้เป็นการประมาณนอกช่วงที่เคยเห็น ควรใช้อย่างระมัดระวัง",
        "en": "The lines look unlike the model set's training history at Q{q}: {features} ({expected} expected). "
        "The projections extrapolate there; use them with care.",
    },
    "drift_feature": {
        "th": "{feature} อยู่นอกช่วงของประวัติ ({lo} ถึง {hi}) {outside} ของ {n} โครงการ",
        "en": "{feature} outside the training range ({lo} to {hi}) for {outside} of {n} lines",
    },
}


# Column headers of the tables the app shows and the exports write, by column name.
COLUMNS: dict[str, dict[str, str]] = {
    "fiscal_year": {"th": "ปีงบประมาณ", "en": "Fiscal year"},
    "project_id": {"th": "รหัสโครงการ", "en": "Project id"},
    "quarter": {"th": "ไตรมาส", "en": "Quarter"},
    "as_of": {"th": "ข้อมูล ณ วันที่", "en": "As of"},
    "plan": {"th": "แผน", "en": "Plan"},
    "disbursed": {"th": "เบิกจ่าย", "en": "Disbursed"},
    "committed": {"th": "ผูกพัน", "en": "Committed"},
    "spend": {"th": "ผลใช้จ่าย", "en": "Spend"},
    "store_vintage": {"th": "ชุดข้อมูลที่", "en": "Vintage"},
    "ingested_at": {"th": "นำเข้าเมื่อ", "en": "Ingested at"},
    "author": {"th": "ผู้ดำเนินการ", "en": "By"},
    "report_dates": {"th": "วันที่รายงาน", "en": "Report dates"},
    "files": {"th": "ไฟล์", "en": "Files"},
    "rows": {"th": "จำนวนแถว", "en": "Rows"},
    "warnings": {"th": "คำเตือน", "en": "Warnings"},
    "note": {"th": "หมายเหตุ", "en": "Note"},
    "table": {"th": "ตาราง", "en": "Table"},
    "key": {"th": "รายการ", "en": "Item"},
    "column": {"th": "คอลัมน์", "en": "Column"},
    "old_value": {"th": "ค่าเดิม", "en": "Old value"},
    "old_as_of": {"th": "รายงานเดิม", "en": "Old report"},
    "new_value": {"th": "ค่าใหม่", "en": "New value"},
    "new_as_of": {"th": "รายงานใหม่", "en": "New report"},
    "change": {"th": "ผลต่าง", "en": "Change"},
    "kind": {"th": "ประเภท", "en": "Kind"},
    "old_vintage": {"th": "ชุดเดิม", "en": "Old vintage"},
    "new_vintage": {"th": "ชุดใหม่", "en": "New vintage"},
    "severity": {"th": "ระดับ", "en": "Severity"},
    "rule": {"th": "กฎ", "en": "Rule"},
    "file": {"th": "ไฟล์", "en": "File"},
    "sheet": {"th": "ชีต", "en": "Sheet"},
    "row": {"th": "แถว", "en": "Row"},
    "value": {"th": "ค่า", "en": "Value"},
    "message": {"th": "ข้อความ", "en": "Message"},
    "origin_quarter": {"th": "ไตรมาสที่คาดการณ์", "en": "Origin quarter"},
    "model": {"th": "แบบจำลอง", "en": "Model"},
    "is_champion": {"th": "ชุดที่เลือกใช้", "en": "Champion"},
    "n": {"th": "จำนวน", "en": "n"},
    "mae_disbursed_pp": {"th": "ความคลาดเคลื่อนเฉลี่ย (จุด%)", "en": "Mean abs. error (pp)"},
    "medae_disbursed_pp": {"th": "ความคลาดเคลื่อนมัธยฐาน (จุด%)", "en": "Median abs. error (pp)"},
    "medae_point_pp": {
        "th": "คลาดเคลื่อนมัธยฐานของค่าจุดของแบบจำลอง (จุด%)",
        "en": "Median abs. error of the model's own point (pp)",
    },
    "pinball_disbursed_pp": {"th": "คะแนน pinball (จุด%)", "en": "Pinball loss (pp)"},
    "coverage_disbursed": {"th": "ครอบคลุม p10-p90", "en": "p10-p90 coverage"},
    "coverage_amount": {"th": "ครอบคลุมยอดเงิน p10-p90", "en": "p10-p90 coverage (amounts)"},
    "brier_miss": {"th": "Brier ของโอกาสพลาดเป้า", "en": "Brier of P(miss)"},
    "auc_miss": {"th": "AUC", "en": "AUC"},
    "mae_spend_pp": {"th": "คลาดเคลื่อนผลใช้จ่าย (จุด%)", "en": "Spend MAE (pp)"},
    "medae_spend_pp": {"th": "คลาดเคลื่อนมัธยฐานผลใช้จ่าย (จุด%)", "en": "Spend median AE (pp)"},
    "coverage_spend": {"th": "ครอบคลุมผลใช้จ่าย", "en": "Spend coverage"},
    "p_miss_bin": {"th": "ช่วงโอกาสที่คาด", "en": "Predicted P(miss)"},
    "mean_p_miss": {"th": "โอกาสเฉลี่ยที่คาด", "en": "Mean predicted"},
    "observed_miss_rate": {"th": "สัดส่วนที่พลาดจริง", "en": "Observed miss rate"},
    "version": {"th": "รุ่น", "en": "Version"},
    "active": {"th": "ใช้งาน", "en": "Active"},
    "created_at": {"th": "สร้างเมื่อ", "en": "Created"},
    "basis": {"th": "ที่มา", "en": "Basis"},
    "years": {"th": "ปีที่ใช้ฝึก", "en": "Years"},
    "champions": {"th": "แบบจำลองที่เลือก", "en": "Champions"},
    "kpi_id": {"th": "ตัวชี้วัด", "en": "KPI"},
    "name_th": {"th": "ชื่อ (ไทย)", "en": "Name (Thai)"},
    "name_en": {"th": "ชื่อ (อังกฤษ)", "en": "Name (English)"},
    "unit": {"th": "หน่วย", "en": "Unit"},
    "target": {"th": "เป้าหมาย", "en": "Target"},
    "value_to_date": {"th": "ผลถึงปัจจุบัน", "en": "Value to date"},
    "projected_p10": {"th": "คาดการณ์ p10", "en": "Projected p10"},
    "projected_p50": {"th": "คาดการณ์ p50", "en": "Projected p50"},
    "projected_p90": {"th": "คาดการณ์ p90", "en": "Projected p90"},
    "p_attain": {"th": "โอกาสถึงเป้า", "en": "Chance of target"},
    "tier_expected": {"th": "ระดับคะแนนที่คาด", "en": "Tier"},
    "status": {"th": "สถานะ", "en": "Status"},
    "signature": {"th": "ลายเซ็น", "en": "Signature"},
    "user": {"th": "ผู้ใช้", "en": "User"},
    "role": {"th": "บทบาท", "en": "Role"},
    "disabled": {"th": "ระงับ", "en": "Disabled"},
    "must_change_password": {"th": "ต้องเปลี่ยนรหัสผ่าน", "en": "Must change password"},
    "created_by": {"th": "สร้างโดย", "en": "Created by"},
    "last_sign_in": {"th": "เข้าระบบล่าสุด", "en": "Last sign-in"},
    "seq": {"th": "ลำดับ", "en": "#"},
    "at": {"th": "เวลา", "en": "At"},
    "via": {"th": "ช่องทาง", "en": "Via"},
    "where": {"th": "จากที่ใด", "en": "From"},
    "action": {"th": "การกระทำ", "en": "Action"},
    "outcome": {"th": "ผล", "en": "Outcome"},
    "details": {"th": "รายละเอียด", "en": "Details"},
    "extra": {"th": "เบิกจ่ายเพิ่มจนสิ้นปี", "en": "Further disbursement"},
    "year_end": {"th": "สิ้นปี", "en": "Year end"},
    "share": {"th": "สัดส่วนของงบประมาณ", "en": "Share of budget"},
    "p_miss": {"th": "โอกาสไม่ถึงเป้า", "en": "P(miss)"},
    "meets_target": {"th": "ถึงเป้า", "en": "Meets target"},
    # the ranking, the projection and the portfolio (the command line's tables)
    "rank": {"th": "อันดับ", "en": "Rank"},
    "name": {"th": "ชื่อ", "en": "Name"},
    "level": {"th": "ระดับความเสี่ยง", "en": "Level"},
    "risk_score": {"th": "คะแนนความเสี่ยง", "en": "Risk score"},
    "p_miss_disbursement": {"th": "โอกาสเบิกจ่ายไม่ถึงเป้า", "en": "P(miss disbursement)"},
    "p_miss_spend": {"th": "โอกาสเหลือเงิน", "en": "P(money unused)"},
    "p_miss_kpi": {"th": "โอกาสตัวชี้วัดไม่ถึงเป้า", "en": "P(a KPI misses)"},
    "drivers": {"th": "เหตุผลหลัก", "en": "Main reasons"},
    "previous_rank": {"th": "อันดับก่อนหน้า", "en": "Previous rank"},
    "rank_change": {"th": "อันดับขยับ", "en": "Rank moved"},
    "new_high": {"th": "เพิ่งเสี่ยงสูง", "en": "Newly high"},
    "budget": {"th": "งบประมาณ", "en": "Budget"},
    "budget_cut": {"th": "งบที่ถูกปรับลด", "en": "Budget cut"},
    "agency": {"th": "หน่วยงาน", "en": "Agency"},
    "plan_line": {"th": "แผนงาน", "en": "Plan line"},
    "owner": {"th": "ผู้รับผิดชอบ", "en": "Owner"},
    "plan_to_date": {"th": "แผนสะสม", "en": "Plan to date"},
    "disbursed_to_date": {"th": "เบิกจ่ายสะสม", "en": "Disbursed to date"},
    "spend_to_date": {"th": "ผลใช้จ่ายสะสม", "en": "Spend to date"},
    "disbursed_p10": {"th": "เบิกจ่ายสิ้นปี p10", "en": "Disbursed p10"},
    "disbursed_p50": {"th": "เบิกจ่ายสิ้นปี p50", "en": "Disbursed p50"},
    "disbursed_p90": {"th": "เบิกจ่ายสิ้นปี p90", "en": "Disbursed p90"},
    "spend_p10": {"th": "ใช้จ่ายสิ้นปี p10", "en": "Spend p10"},
    "spend_p50": {"th": "ใช้จ่ายสิ้นปี p50", "en": "Spend p50"},
    "spend_p90": {"th": "ใช้จ่ายสิ้นปี p90", "en": "Spend p90"},
    "disbursed_share_p50": {"th": "สัดส่วนเบิกจ่าย p50", "en": "Disbursed share p50"},
    "group_by": {"th": "จัดกลุ่มตาม", "en": "Grouped by"},
    "group": {"th": "กลุ่ม", "en": "Group"},
    "projects": {"th": "จำนวนโครงการ", "en": "Projects"},
    "p_miss_target": {"th": "โอกาสทั้งกลุ่มไม่ถึงเป้า", "en": "P(the total misses)"},
    "expected_shortfall": {"th": "ยอดที่คาดว่าจะขาดจากเป้า", "en": "Expected shortfall"},
    "source": {"th": "แหล่งข้อมูล", "en": "Source"},
    "comparator": {"th": "เงื่อนไข", "en": "Comparator"},
    "measure": {"th": "ลักษณะการวัด", "en": "Measure"},
    "status_text": {"th": "ผลการดำเนินงาน", "en": "Status text"},
    "q1": {"th": "เป้า ไตรมาส 1", "en": "Q1"},
    "q2": {"th": "เป้า ไตรมาส 2", "en": "Q2"},
    "q3": {"th": "เป้า ไตรมาส 3", "en": "Q3"},
    "q4": {"th": "เป้า ไตรมาส 4", "en": "Q4"},
    "checks": {"th": "ตรวจสอบอะไร", "en": "Checks"},
    "thai": {"th": "คำอธิบาย", "en": "Thai"},
    "token": {"th": "โทเค็น", "en": "Token"},
    "expires_at": {"th": "หมดอายุ", "en": "Expires"},
    "revoked_at": {"th": "เพิกถอนเมื่อ", "en": "Revoked"},
    "by": {"th": "ออกโดย", "en": "By"},
    "label": {"th": "ใช้สำหรับ", "en": "Label"},
    "kpi_model": {"th": "แบบจำลองตัวชี้วัด", "en": "KPI model"},
    "plan_cum_reported": {"th": "แผนสะสมตามที่รายงาน", "en": "Plan to date (as printed)"},
    "disbursed_cum_reported": {"th": "เบิกจ่ายสะสมตามที่รายงาน", "en": "Disbursed to date (as printed)"},
    "committed_cum_reported": {"th": "ผูกพันสะสมตามที่รายงาน", "en": "Committed to date (as printed)"},
    "spend_cum_reported": {"th": "ผลใช้จ่ายสะสมตามที่รายงาน", "en": "Spend to date (as printed)"},
    "plan_is_cumulative": {"th": "แผนเป็นยอดสะสม", "en": "Plan is cumulative"},
    "source_text": {"th": "ที่มาตามรายงาน", "en": "Source (as printed)"},
    "commitments_reported": {"th": "รายงานภาระผูกพัน", "en": "Commitments reported"},
    "plan_cum_share": {"th": "แผนสะสม (สัดส่วนของงบ)", "en": "Plan to date (share of budget)"},
    "disbursed_cum_share": {"th": "เบิกจ่ายสะสม (สัดส่วนของงบ)", "en": "Disbursed to date (share of budget)"},
    "spend_cum_share": {"th": "ผลใช้จ่ายสะสม (สัดส่วนของงบ)", "en": "Spend to date (share of budget)"},
    "committed_cum": {"th": "ผูกพันสะสม", "en": "Committed to date"},
    "committed_cum_share": {"th": "ผูกพันสะสม (สัดส่วนของงบ)", "en": "Committed to date (share of budget)"},
    "disbursed_pace": {"th": "เบิกจ่ายเฉลี่ยต่อไตรมาส", "en": "Disbursed per quarter so far"},
    "conversion_last_q": {"th": "สัดส่วนภาระผูกพันที่เบิกจ่ายในไตรมาสล่าสุด", "en": "Commitments paid in the last quarter"},
    "disbursed_momentum_1q": {"th": "การเบิกจ่ายเทียบไตรมาสก่อน", "en": "Disbursement change from the quarter before"},
    "restated_share": {"th": "สัดส่วนที่ถูกปรับปรุง", "en": "Restated (share of budget)"},
    "quarters_left": {"th": "ไตรมาสที่เหลือ", "en": "Quarters left"},
    "budget_revision_log": {"th": "การปรับงบ (ลอการิทึมของอัตราส่วน)", "en": "Budget revision (log ratio)"},
    "budget_revisions": {"th": "จำนวนครั้งที่ปรับงบ", "en": "Budget revisions"},
    "driver_codes": {"th": "รหัสเหตุผล", "en": "Reason codes"},
    "method": {"th": "วิธี", "en": "Method"},
    "attain_rate": {"th": "สัดส่วนที่ถึงเป้าจริง", "en": "Observed attainment rate"},
    "mean_p_attain": {"th": "โอกาสถึงเป้าเฉลี่ยที่คาด", "en": "Mean predicted chance"},
    "brier": {"th": "คะแนน Brier", "en": "Brier score"},
    "log_loss": {"th": "ค่าสูญเสียลอการิทึม", "en": "Log loss"},
    "auc": {"th": "AUC", "en": "AUC"},
    "sign_in_via": {"th": "เข้าระบบด้วย", "en": "Signs in with"},
    "releasable": {"th": "โอนออกได้", "en": "Releasable"},
    "absorbable": {"th": "รับเพิ่มได้", "en": "Absorbable"},
    "absorb_share": {"th": "สัดส่วนที่คาดว่าเบิกจ่ายได้ของเงินที่รับ", "en": "Share of an increase disbursed"},
    "absorb_basis": {"th": "ที่มาของเงินที่รับเพิ่มได้", "en": "Absorbable from"},
    "disbursed_at_appetite": {"th": "เบิกจ่ายสิ้นปีที่ระดับความมั่นใจ", "en": "Disbursed at the appetite"},
    "headroom": {"th": "งบคงเหลือหลังหักเบิกจ่ายและผูกพัน", "en": "Budget less disbursed and committed"},
    "disbursed_per_month": {"th": "เบิกจ่ายต่อเดือน", "en": "Disbursed a month"},
    "months_left": {"th": "เดือนที่เหลือ", "en": "Months left"},
    "committed_beyond_budget": {"th": "ผูกพันเกินงบ", "en": "Committed beyond budget"},
    "need": {"th": "ความต้องการเพิ่มที่ระบุ", "en": "Stated need"},
    "from_id": {"th": "โอนจาก (รหัส)", "en": "From (id)"},
    "from_name": {"th": "โอนจาก", "en": "From"},
    "to_id": {"th": "โอนให้ (รหัส)", "en": "To (id)"},
    "to_name": {"th": "โอนให้", "en": "To"},
    "amount": {"th": "จำนวนเงิน", "en": "Amount"},
    "expected_gain": {"th": "เบิกจ่ายเพิ่มที่คาด", "en": "Expected extra disbursed"},
    "reason_code": {"th": "รหัสเหตุผล", "en": "Reason code"},
    "reason_th": {"th": "เหตุผล", "en": "Reason (Thai)"},
    "reason_en": {"th": "เหตุผล (อังกฤษ)", "en": "Reason"},
    "moved": {"th": "ยอดโอน", "en": "Moved"},
    "disbursed_p50_before": {"th": "เบิกจ่ายสิ้นปี p50 ก่อนโอน", "en": "Disbursed p50 before"},
    "disbursed_p50_after": {"th": "เบิกจ่ายสิ้นปี p50 หลังโอน", "en": "Disbursed p50 after"},
    "p_miss_before": {"th": "โอกาสไม่ถึงเป้า ก่อนโอน", "en": "P(miss) before"},
    "p_miss_after": {"th": "โอกาสไม่ถึงเป้า หลังโอน", "en": "P(miss) after"},
    "unused_before": {"th": "เงินเหลือที่คาด ก่อนโอน", "en": "Expected unused before"},
    "unused_p10_before": {"th": "เงินเหลือ p10 ก่อนโอน", "en": "Unused p10 before"},
    "unused_p90_before": {"th": "เงินเหลือ p90 ก่อนโอน", "en": "Unused p90 before"},
    "unused_after": {"th": "เงินเหลือที่คาด หลังโอน", "en": "Expected unused after"},
    "unused_p10_after": {"th": "เงินเหลือ p10 หลังโอน", "en": "Unused p10 after"},
    "unused_p90_after": {"th": "เงินเหลือ p90 หลังโอน", "en": "Unused p90 after"},
}

# Short headers of the command line's compact tables (``--wide`` shows the full ones).
SHORT_COLUMNS: dict[str, dict[str, str]] = {
    "p_miss_disbursement": {"th": "โอกาสพลาด", "en": "P(miss)"},
    "p_miss_spend": {"th": "โอกาสเหลือเงิน", "en": "P(unused)"},
    "p_miss_kpi": {"th": "ตัวชี้วัดพลาด", "en": "P(KPI miss)"},
    "p_miss_target": {"th": "โอกาสพลาด", "en": "P(miss)"},
    "p_attain": {"th": "โอกาสถึงเป้า", "en": "P(attain)"},
    "risk_score": {"th": "คะแนน", "en": "score"},
    "level": {"th": "ระดับ", "en": "level"},
    "drivers": {"th": "เหตุผล", "en": "drivers"},
    "rank_change": {"th": "ขยับ", "en": "moved"},
    "new_high": {"th": "สูงใหม่", "en": "new high"},
    "disbursed_to_date": {"th": "เบิกจ่าย", "en": "disbursed"},
    "spend_to_date": {"th": "ใช้จ่าย", "en": "spend"},
    "plan_to_date": {"th": "แผน", "en": "plan"},
    "disbursed_p10": {"th": "p10", "en": "p10"},
    "disbursed_p50": {"th": "p50", "en": "p50"},
    "disbursed_p90": {"th": "p90", "en": "p90"},
    "spend_p50": {"th": "ใช้จ่าย p50", "en": "spend p50"},
    "disbursed_share_p50": {"th": "สัดส่วน p50", "en": "share p50"},
    "expected_shortfall": {"th": "ขาดเป้า", "en": "shortfall"},
    "value_to_date": {"th": "ผลสะสม", "en": "to date"},
    "projected_p50": {"th": "p50", "en": "p50"},
    "origin_quarter": {"th": "ไตรมาส", "en": "Q"},
    "name": {"th": "ชื่อ", "en": "name"},
    "name_th": {"th": "ชื่อ", "en": "name"},
    "name_en": {"th": "ชื่อ", "en": "name"},
    "projects": {"th": "โครงการ", "en": "projects"},
    "releasable": {"th": "โอนออกได้", "en": "releasable"},
    "absorbable": {"th": "รับได้", "en": "absorbable"},
    "from_name": {"th": "จาก", "en": "from"},
    "to_name": {"th": "ให้", "en": "to"},
    "amount": {"th": "จำนวน", "en": "amount"},
    "expected_gain": {"th": "เพิ่มที่คาด", "en": "gain"},
    "reason_th": {"th": "เหตุผล", "en": "reason"},
    "reason_en": {"th": "เหตุผล", "en": "reason"},
}
for _q in (1, 2, 3, 4):
    COLUMNS[f"plan_q{_q}"] = {"th": f"แผนไตรมาส {_q}", "en": f"Plan Q{_q}"}
    COLUMNS[f"q{_q}"] = {"th": f"เป้าหมายสะสมไตรมาส {_q}", "en": f"Target to Q{_q}"}
for _points in (50, 75, 100):
    COLUMNS[f"tier_{_points}"] = {"th": f"เกณฑ์ {_points} คะแนน", "en": f"Tier {_points} points"}
for _flow, _th, _en in (("disbursed", "เบิกจ่าย", "Disbursed"), ("spend", "ผลใช้จ่าย", "Spend")):
    for _p in (10, 50, 90):
        COLUMNS[f"{_flow}_p{_p}"] = {"th": f"{_th}สิ้นปี p{_p}", "en": f"{_en} at year end p{_p}"}
        COLUMNS[f"{_flow}_share_p{_p}"] = {
            "th": f"{_th}สิ้นปี p{_p} (สัดส่วนของงบ)",
            "en": f"{_en} at year end p{_p} (share of budget)",
        }
    for _q in (2, 5, 10, 25, 50, 75, 90, 95, 98):
        COLUMNS[f"{_flow}_share_q{_q:02d}"] = {
            "th": f"{_th}สิ้นปี ควอนไทล์ {_q}% (สัดส่วนของงบ)",
            "en": f"{_en} at year end, quantile {_q}% (share of budget)",
        }
        COLUMNS[f"{_flow}_ratio_q{_q:02d}"] = {
            "th": f"{_th}สิ้นปี ควอนไทล์ {_q}% (เท่าของงบ ณ วันคาดการณ์)",
            "en": f"{_en} at year end, quantile {_q}% (times the budget at the origin)",
        }

MISSING: set[tuple[str, str]] = set()  # (key, language) asked for but not translated; the app's tests read it


def column(name: str, lang: str) -> str:
    """The header of a column in ``lang``: its entry in ``COLUMNS``, else the label of the same name (recorded
    as missing when there is neither)."""
    entry = COLUMNS.get(name) or LABELS.get(name, {})
    if lang not in entry:
        MISSING.add((f"column:{name}", lang))
    return entry.get(lang) or entry.get("en") or name


def header(name: str, lang: str, short: bool = False) -> str:
    """A column's header in a table for people: its short form in compact tables (``short``), else the full
    one; in English a column without a short form keeps its own name (as ``--format csv`` writes it)."""
    if short and name in SHORT_COLUMNS:
        return SHORT_COLUMNS[name].get(lang) or SHORT_COLUMNS[name]["en"]
    return name if lang == "en" else column(name, lang)


def say(error: Exception, lang: str) -> str:
    """An error in ``lang``: the label its ``key`` names, filled with its ``params``; else (and in English)
    its message."""
    key, params = getattr(error, "key", ""), getattr(error, "params", {})
    if lang == "en" or not key or key not in LABELS:
        return str(error)
    return t(key, lang).format(**params)


def word(value: str, lang: str) -> str:
    """A value that is a word of the catalogue (a risk level, a KPI status, a kind of change) in ``lang``;
    any other value as it is."""
    entry = LABELS.get(value)
    return entry.get(lang, value) if entry else value


def code(kind: str, value, lang: str) -> str:
    """A code in a table (a table name, a model, an audit action) in ``lang``: the label ``kind:value``; an
    unknown code stays as it is (and is recorded as missing); an empty one is blank."""
    if value is None or value == "":
        return ""
    entry = LABELS.get(f"{kind}:{value}", {})
    if lang not in entry:
        MISSING.add((f"{kind}:{value}", lang))
    return entry.get(lang) or str(value)


def t(key: str, lang: str) -> str:
    """The label for ``key`` in ``lang`` (falls back to English, then the key; both are recorded as missing)."""
    entry = LABELS.get(key, {})
    if lang not in entry:
        MISSING.add((key, lang))
    return entry.get(lang) or entry.get("en") or key


def pick(lang: str, *, th: T, en: T) -> T:
    """Of a pair kept in both languages (two columns, two fields of a record, two month tables), the one for
    ``lang``: the Thai one in Thai, else the English one. The one place that asks which language it is."""
    return th if lang == "th" else en


def pair(lang: str, *, th: T, en: T) -> tuple[T, T]:
    """The one for ``lang`` first, then the other (a name in ``lang``, else in the other language)."""
    return pick(lang, th=(th, en), en=(en, th))


def commitments_missing(quarters: dict[int, int], lang: str) -> str:
    """The sentence "Commitments not reported for Q3 (2 project(s)): ..." for the quarters (and how many projects each) of
    ``Snapshot.quarters_without_commitments``; empty when there are none."""
    if not quarters:
        return ""
    qs = sorted(quarters)
    named = pick(
        lang,
        th="ไตรมาส " + (str(qs[0]) if len(qs) == 1 else ", ".join(map(str, qs[:-1])) + f" และ {qs[-1]}"),
        en=f"Q{qs[0]}" if len(qs) == 1 else ", ".join(f"Q{q}" for q in qs[:-1]) + f" and Q{qs[-1]}",
    )
    return t("commitments_missing", lang).format(quarters=named, n=max(quarters.values()))


def _pct(v: float, digits: int = 0) -> str:
    return f"{v:.{digits}%}"


def _pp(share: float) -> str:
    """A difference of two shares, in percentage points to one decimal (0.155 -> "15.5")."""
    return f"{share * 100:.1f}"


def _digits(value: float, lo: float, hi: float) -> int:
    """Whole percents, unless the value would then read as one of the bounds of the range it lies outside."""
    return 1 if round(value * 100) in (round(lo * 100), round(hi * 100)) else 0


def note_text(code: str, params: dict, lang: str, most: int = 5) -> str:
    """The sentence of an unusual-year or drift note (``decisions.unusual.Note``: its code and figures) in
    ``lang``, with how the ranges were handled; at most ``most`` agencies or features are named."""
    p = dict(params)
    if code in ("unusual_year", "year_beyond_history"):
        d = _digits(params["value"], params["lo"], params["hi"])
        p.update({k: _pct(params[k], d) for k in ("value", "lo", "hi", "seen_lo", "seen_hi")})
    if code == "unusual_agencies":
        found = params["agencies"]
        named = []
        for a in found[:most]:
            d = _digits(a["value"], a["lo"], a["hi"])
            figures = {k: _pct(a[k], d) for k in ("value", "lo", "hi")}
            named.append(t("unusual_agency", lang).format(agency=a["agency"], **figures))
        if len(found) > most:
            named.append(t("unusual_more", lang).format(n=len(found) - most))
        p["agencies"] = ", ".join(named)
    if code == "drift":
        p["expected"] = _pct(params["expected"])
        p["features"] = "; ".join(
            t("drift_feature", lang).format(
                feature=column(f["feature"], lang),
                lo=f"{f['lo']:.2f}",
                hi=f"{f['hi']:.2f}",
                outside=_pct(f["outside"]),
                n=f["n"],
            )
            for f in params["features"][:most]
        )
    text = t(code, lang).format(**p)
    if params.get("widened"):
        excess = (
            params["value"] - params["seen_hi"] if params["side"] == "upper" else params["seen_lo"] - params["value"]
        )
        side = t(f"side_{params['side']}", lang)
        widened = {"side": side, "stretch": params["stretch"], "excess": _pp(excess), "sd": _pp(params["sd"])}
        text += " " + t("unusual_widened", lang).format(**widened)
    elif code == "unusual_year":
        text += " " + t("unusual_not_widened", lang)
    elif code == "unusual_agencies":
        text += " " + t("unusual_agencies_not_widened", lang)
    return text
