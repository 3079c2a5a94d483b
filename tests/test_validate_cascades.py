"""One message per problem across files: a refused table is not reported again by the rows that refer to it."""

from __future__ import annotations

import pytest

from forecast.data.store import Store
from tests.conftest import read_rows, write_csv

TABLES = ("projects", "finance", "kpis", "kpi_results")


def _files(folder, columns=None, edit=None):
    """The reference CSVs in ``folder``; ``columns[table](names) -> names`` renames or drops header columns
    (``None`` drops), ``edit[table](rows) -> rows`` changes rows."""
    paths = []
    for table in TABLES:
        rows = read_rows(table)
        if edit and table in edit:
            rows = edit[table](rows)
        names = {c: c for c in rows[0]}
        if columns and table in columns:
            names = columns[table](names)
        rows = [{names[k]: v for k, v in r.items() if names.get(k)} for r in rows]
        paths.append(write_csv(folder, table, rows, [n for n in names.values() if n]))
    return paths


def _check(tmp_path, **kw):
    """Checked against an empty store, so that every reference to projects and kpis is to this upload."""
    return Store.create(tmp_path / "store").check(_files(tmp_path / "in", **kw))


def _drop(*cols):
    return lambda names: {k: (None if k in cols else v) for k, v in names.items()}


@pytest.mark.parametrize("absent", ["name_th", "name_en"])
def test_either_name_column_may_be_left_out(tmp_path, absent):
    checked = _check(tmp_path, columns={"projects": _drop(absent), "kpis": _drop(absent)})
    assert checked.ok, [str(i) for i in checked.errors]
    assert checked.tables["projects"][absent].is_null().all() and checked.tables["projects"].height == 9


def test_without_either_name_column_one_message_and_no_cascade(tmp_path):
    checked = _check(tmp_path, columns={"projects": _drop("name_th", "name_en")})
    assert len(checked.errors) == 1, [str(i) for i in checked.errors]  # not one more per finance or KPI row
    e = checked.errors[0]
    assert (e.rule, e.file, e.row, e.column) == ("name_column", "projects.csv", 1, "name_th")
    assert "missing column `name_th` or `name_en`" in e.message and "either column is enough" in e.message
    th = e.text("th")
    assert th.startswith("ข้อผิดพลาด: ไฟล์ projects.csv, แถว 1, คอลัมน์ `name_th`:") and "name_en" in th
    assert "projects" not in checked.tables and {"finance", "kpis", "kpi_results"} <= set(checked.tables)


def test_a_misnamed_column_is_one_message_and_refers_no_rows_to_it(tmp_path):
    checked = _check(tmp_path, columns={"projects": lambda n: n | {"project_id": "project_idd", "budget": "budgt"}})
    errors = [(i.rule, i.file, i.row, i.column) for i in checked.errors]
    assert errors == [
        ("unknown_column", "projects.csv", 1, "budgt"),
        ("unknown_column", "projects.csv", 1, "project_idd"),
    ], [str(i) for i in checked.errors]
    assert "is it `budget`, which is missing? Rename it" in checked.errors[0].message
    assert all(i.text("th").startswith("ข้อผิดพลาด: ไฟล์ projects.csv") for i in checked.errors)
    # a misnamed column that is not missing keeps its own hint, the missing one its own message
    checked = _check(tmp_path / "b", columns={"projects": lambda n: n | {"owner": None, "name_en": "name_eng"}})
    assert {(i.rule, i.column) for i in checked.errors} == {("unknown_column", "name_eng"), ("missing_column", "owner")}


def test_a_refused_kpi_table_makes_no_unknown_kpi_results(tmp_path):
    checked = _check(tmp_path, columns={"kpis": _drop("unit")})
    assert [(i.rule, i.file, i.column) for i in checked.errors] == [("missing_column", "kpis.csv", "unit")]


def test_a_file_that_cannot_be_read_is_one_message(tmp_path):
    paths = _files(tmp_path / "in")
    projects = paths[0]
    projects.write_text("ETDA projects FY2569\n" + projects.read_text(encoding="utf-8"), encoding="utf-8")
    checked = Store.create(tmp_path / "store").check(paths)
    assert [(i.rule, i.file) for i in checked.errors] == [("header_row", "projects.csv")]
    misnamed = projects.rename(projects.with_name("projects 2569.csv"))
    misnamed.write_text(misnamed.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    checked = Store.create(tmp_path / "store2").check([misnamed, *paths[1:]])
    assert [(i.rule, i.file) for i in checked.errors] == [("file_name", "projects 2569.csv")]


def test_a_row_with_a_bad_key_is_reported_there_not_by_rows_referring_to_it(tmp_path):
    def bad_year(rows):  # spreadsheet row 7: etda-digital-id, which has four KPIs
        rows[5]["fiscal_year"] = "25x9"
        return rows

    checked = _check(tmp_path, edit={"projects": bad_year})
    assert [(i.rule, i.row, i.column) for i in checked.errors] == [("type", 7, "fiscal_year")], [
        str(i) for i in checked.errors
    ]

    # a project that is in no row at all is still reported, once per row that refers to it
    def unknown(rows):
        rows[0]["project_id"] = "etda-nope"
        return rows

    checked = _check(tmp_path / "b", edit={"projects": bad_year, "kpis": unknown})
    assert [(i.rule, i.file, i.row) for i in checked.errors] == [
        ("unknown_project", "kpis.csv", 2),
        ("type", "projects.csv", 7),
    ]


def test_the_template_guide_says_either_name_is_enough():
    from forecast.data import templates

    guide = templates._guide()
    for table in ("projects", "kpis"):
        need = guide.filter((guide["table"] == table) & guide["column"].is_in(["name_th", "name_en"]))["required"]
        assert need.to_list() == ["name_th or name_en required"] * 2
