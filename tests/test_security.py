"""Secure by default: sign-in and roles, the audit trail, model files that cannot run code, inert outputs."""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui
from forecast import api, config
from forecast.access import roles
from forecast.access import users as users_module
from forecast.access.audit import AuditLog
from forecast.access.users import AccessError, Users
from forecast.data.store import Store
from forecast.interfaces import export
from forecast.interfaces.cli import main
from forecast.model import registry
from tests.test_app import APP, PASSWORD, open_page, sign_in
from ui.auth import JOINER

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_caches():
    ui.reset()
    yield
    ui.reset()


@pytest.fixture
def agency_store() -> Store:
    return Store.create(config.DEFAULT_STORE_DIR, from_reference=True)


# --- roles ----------------------------------------------------------------------------------------------
def test_each_role_can_do_exactly_its_part():
    can = {r: {a for a in roles.NEEDS if roles.allowed(r, a)} for r in roles.ROLES}
    assert can["viewer"] == {"view", "export"}
    assert can["planner"] == can["viewer"] | {"save_whatif"}
    assert can["analyst"] == can["planner"] | {"validate", "ingest", "train", "set_targets"}
    assert can["admin"] == set(roles.NEEDS)
    assert not roles.allowed(None, "view") and not roles.allowed("admin", "launch missiles")
    with pytest.raises(roles.PermissionDenied, match="ingest needs the analyst role or higher; bo \\(viewer\\)"):
        roles.check("viewer", "ingest", "bo")


def test_single_sign_on_groups_map_to_the_highest_role():
    mapping = {"viewer": ["staff"], "analyst": ["budget-office"], "admin": ["it-admins"]}
    assert roles.from_groups(["staff", "budget-office"], mapping) == "analyst"
    assert roles.from_groups("it-admins", mapping) == "admin"
    assert roles.from_groups(["visitors"], mapping) is None


# --- users ----------------------------------------------------------------------------------------------
def test_passwords_are_salted_slow_hashes_and_accounts_lock(tmp_path):
    users = Users(tmp_path / "access")
    users.add("somchai", "analyst", "a long enough secret")
    users.add("malee", "viewer", "a long enough secret")
    stored = json.loads((tmp_path / "access" / "users.json").read_text())["users"]
    assert stored["somchai"]["hash"].startswith(f"scrypt${users_module.N}$8$1$")  # the cost of tests (conftest)
    assert stored["somchai"]["hash"] != stored["malee"]["hash"]  # salted
    assert "secret" not in (tmp_path / "access" / "users.json").read_text()
    assert (tmp_path / "access" / "users.json").stat().st_mode & 0o077 == 0  # owner only
    assert users.authenticate("somchai", "a long enough secret").role == "analyst"
    with pytest.raises(AccessError, match="user name or the password is wrong"):
        users.authenticate("somchai", "wrong")
    with pytest.raises(AccessError, match="user name or the password is wrong"):
        users.authenticate("nobody", "wrong")  # the same message: it does not say which was wrong
    for _ in range(5):
        with pytest.raises(AccessError):
            users.authenticate("malee", "wrong")
    with pytest.raises(AccessError, match="locked until"):
        users.authenticate("malee", "a long enough secret")
    users.enable("malee")
    assert users.authenticate("malee", "a long enough secret").name == "malee"
    with pytest.raises(AccessError, match="at least 10 characters"):
        users.add("short", "viewer", "short")
    users.disable("somchai")
    with pytest.raises(AccessError, match="disabled"):
        users.authenticate("somchai", "a long enough secret")
    assert users.role("somchai") is None


def test_a_real_store_asks_for_sign_in_and_records_it(agency_store):
    Store.open().users.add("malee", "viewer", PASSWORD)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.title[0].value == "เข้าสู่ระบบ" and not at.dataframe and not at.metric  # nothing shown before sign-in
    sign_in(at, "malee", "not the password")
    # in the user's language (Thai by default), and not saying which of the two was wrong
    assert [e.value for e in at.error] == ["ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"] and at.title[0].value == "เข้าสู่ระบบ"
    sign_in(at, "malee")
    assert at.title[0].value == "ติดตามการใช้จ่ายงบประมาณ" and not at.exception
    entries = agency_store.audit.entries()
    assert list(zip(entries["action"], entries["outcome"]))[-2:] == [("sign in", "refused"), ("sign in", "ok")]
    assert entries["where"][-1].startswith("app session ")
    # a viewer sees no upload and no retraining, and no administration page
    at.switch_page("app_pages/data.py").run()
    assert "upload" not in [u.key for u in at.get("file_uploader")]
    at.switch_page("app_pages/models.py").run()
    assert "history" not in [u.key for u in at.get("file_uploader")] and "activate" not in [b.key for b in at.button]


def test_the_first_sign_in_creates_an_administrator_with_a_one_time_password(agency_store, caplog):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert any("administrator 'admin' was created" in i.value or "ผู้ดูแล 'admin'" in i.value for i in at.info)
    otp = next(
        r.getMessage().split("one-time password ")[1].split(" ")[0]
        for r in caplog.records
        if "one-time password" in r.getMessage()
    )
    sign_in(at, "admin", otp)
    assert at.title[0].value == "ตั้งรหัสผ่านใหม่"  # a one-time password must be changed first
    at.text_input(key="new_password").input("my own long password")
    at.text_input(key="new_password_again").input("my own long password")
    next(b for b in at.button if b.label == "ตั้งรหัสผ่านใหม่").click().run()
    assert at.title[0].value == "ติดตามการใช้จ่ายงบประมาณ"
    assert agency_store.users.authenticate("admin", "my own long password").role == "admin"
    assert not agency_store.users.listing()["must_change_password"][0]


def test_a_role_is_refused_an_action_even_when_the_page_code_is_called_directly(agency_store, tmp_path):
    agency_store.users.add("malee", "viewer", PASSWORD)
    before = agency_store.fingerprint()
    finance = tmp_path / "finance.csv"
    finance.write_text(
        "fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend\n"
        "2569,etda-digital-id,3,2026-06-30,0.8325,1.0000,0.5000,1.5000\n",
        encoding="utf-8",
    )

    def script():
        import streamlit as st

        from forecast.data.store import Store
        from ui import actions
        from ui.auth import USER, Session

        st.session_state[USER] = Session("malee", "viewer")
        actions.ingest(Store.open(), [st.session_state["path"]])

    at = AppTest.from_function(script, default_timeout=60)
    at.session_state["path"] = finance
    at.run()
    assert at.exception  # the details go to the log only (showErrorDetails = "none")
    assert agency_store.fingerprint() == before  # nothing stored
    last = agency_store.audit.entries().row(-1, named=True)
    assert (last["action"], last["user"], last["outcome"]) == ("ingest", "malee", "denied")


def test_a_disabled_user_is_signed_out_at_once(agency_store):
    at = open_page(role="analyst")
    assert at.title[0].value == "ติดตามการใช้จ่ายงบประมาณ"
    agency_store.users.disable("analyst-user")
    at.run()
    assert at.title[0].value == "เข้าสู่ระบบ"


def test_the_administration_page_shows_the_audit_trail_and_manages_users(agency_store):
    at = open_page("admin", lang="en", role="admin")
    assert not at.exception and at.title[0].value == "Administration"
    assert any("The chain holds" in s.value for s in at.success)
    at.text_input(key="new_user").input("somsri")
    at.selectbox(key="new_role").set_value("planner")
    next(b for b in at.button if b.label == "Add a user").click().run()
    assert any("One-time password" in s.value for s in at.success)
    assert agency_store.users.role("somsri") == "planner"
    assert "user add" in agency_store.audit.entries()["action"].to_list()
    viewer = open_page(lang="en", role="viewer")
    assert "Administration" not in [p for p in str(viewer.sidebar)]  # not offered to other roles
    with pytest.raises(roles.PermissionDenied):
        from ui import actions

        actions.audit_trail(agency_store)  # no session at all: refused


def test_the_reference_data_is_public_only_on_localhost(monkeypatch):
    at = open_page()
    assert at.title[0].value == "ติดตามการใช้จ่ายงบประมาณ"  # no sign-in on this machine
    import streamlit as st

    real = st.get_option
    monkeypatch.setattr(st, "get_option", lambda k: "0.0.0.0" if k == "server.address" else real(k))
    ui.reset()
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.title[0].value == "เข้าสู่ระบบ"  # served to a network: sign-in first


# --- the audit trail ------------------------------------------------------------------------------------
def test_the_audit_chain_finds_the_first_broken_link(tmp_path):
    log = AuditLog(tmp_path)
    for i in range(4):
        log.record("ingest", {"user": "u", "os_user": "u", "host": "h", "via": "cli"}, target=f"vintage {i + 1}")
    assert log.problems() == []
    lines = log.path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["user"] = "someone else"
    log.path.write_text("\n".join([lines[0], json.dumps(edited), *lines[2:]]) + "\n")
    assert "line 2 (entry 2" in log.problems()[0] and "edited" in log.problems()[0]
    log.path.write_text("\n".join(lines[:3]) + "\n")  # the last entry cut off
    assert "cut off the end" in log.problems()[0]
    log.path.write_text("\n".join([lines[0], lines[2], lines[3]]) + "\n")  # one removed from the middle
    assert "entry number 3 where 2 was expected" in log.problems()[0]


def test_forecast_verify_and_audit_cover_every_change(tmp_path, capsys):
    st = str(tmp_path / "store")
    assert main(["--store", st, "init", "--from-reference"]) == 0
    assert main(["--store", st, "users", "add", "somchai", "--role", "analyst"]) == 0
    assert "One-time password" in capsys.readouterr().out
    assert main(["--store", st, "users", "disable", "somchai"]) == 0
    capsys.readouterr()
    assert main(["--store", st, "audit", "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in entries] == ["create store", "ingest", "user add", "user disable"]
    assert all(e["via"] == "cli" and "@" in e["where"] for e in entries)  # the OS user and host
    # the listing printed as JSON is an export: recorded (after the entries it shows were read)
    assert main(["--store", st, "verify"]) == 0 and "audit trail's chain holds (5 entries)" in capsys.readouterr().out
    log = tmp_path / "store" / "access" / "audit.jsonl"
    log.write_text(log.read_text().replace("somchai", "mallory"))
    assert main(["--store", st, "verify"]) == 1
    assert "content does not match its hash" in capsys.readouterr().err


# --- model files ----------------------------------------------------------------------------------------
class Payload:
    """Unpickling this runs code: it creates the file named in ``proof``."""

    def __init__(self, proof: str):
        self.proof = proof

    def __reduce__(self):
        return (Path.touch, (Path(self.proof),))


def _resign(models: Path, version: str, key: bytes, edit) -> None:
    """What an attacker holding the store's key could do: edit the manifest and sign it again."""
    from forecast.access import signing

    manifest = json.loads((models / version / "manifest.json").read_text())
    edit(manifest)
    data = json.dumps(manifest).encode()
    (models / version / "manifest.json").write_bytes(data)
    (models / version / "manifest.sig").write_text(signing.sign(key, data))


@pytest.fixture
def models_copy(trained, tmp_path):
    store, ms, _ = trained
    copy = tmp_path / "models"
    shutil.copytree(store.models_dir, copy)
    return store, ms, copy


def test_a_pickle_payload_never_runs(models_copy, tmp_path):
    from forecast.durable import sha256_file

    store, ms, copy = models_copy
    proof = tmp_path / "pwned"
    artifact = copy / ms.version / "origin-2.skops"
    artifact.write_bytes(pickle.dumps(Payload(str(proof))))
    manifest = json.loads((copy / ms.version / "manifest.json").read_text())
    manifest["artifacts"]["origin-2.skops"] = sha256_file(artifact)
    (copy / ms.version / "manifest.json").write_text(json.dumps(manifest))  # without the key: unsigned
    with pytest.raises(registry.RegistryError, match="not signed by this store"):
        registry.load(copy, store.signing_key())
    _resign(copy, ms.version, store.signing_key(), lambda m: None)  # even with the key
    loaded = registry.load(copy, store.signing_key())  # an origin's file is read when first used
    with pytest.raises(registry.RegistryError, match="cannot be read as a model file"):
        loaded.origins[2]
    assert not proof.exists()


def test_a_model_file_replaced_after_loading_is_refused(models_copy):
    store, ms, copy = models_copy
    loaded = registry.load(copy, store.signing_key())
    (copy / ms.version / "origin-2.skops").write_bytes((copy / ms.version / "origin-1.skops").read_bytes())
    with pytest.raises(registry.RegistryError, match="does not match the manifest"):
        loaded.origins[2]
    assert set(loaded.origins[1]) == set(ms.origins[1])  # the untouched origin still loads


def test_artifact_names_outside_the_set_are_refused(models_copy):
    store, ms, copy = models_copy
    _resign(
        copy,
        ms.version,
        store.signing_key(),
        lambda m: m["artifacts"].update({"../../../elsewhere/x-1.skops": m["artifacts"].pop("origin-1.skops")}),
    )
    with pytest.raises(
        registry.RegistryError, match=re.escape("artifact name '../../../elsewhere/x-1.skops' is not allowed")
    ):
        registry.load(copy, store.signing_key())


def test_an_edited_basis_is_refused(models_copy):
    store, ms, copy = models_copy
    path = copy / ms.version / "manifest.json"
    path.write_text(path.read_text().replace('"basis": "synthetic history"', '"basis": "history"'))
    with pytest.raises(registry.RegistryError, match="manifest was edited"):
        registry.load(copy, store.signing_key())


def test_a_set_from_another_store_needs_foreign(trained, tmp_path, capsys):
    store, ms, _ = trained
    other = Store.create(tmp_path / "other", from_reference=True)
    shutil.copytree(store.models_dir / ms.version, other.models_dir / ms.version)
    with pytest.raises(registry.RegistryError, match="trained for another store"):
        api.activate(other, ms.version)
    assert registry.active_version(other.models_dir) is None
    assert main(["--store", str(other.root), "models", "--activate", ms.version, "--foreign"]) == 0
    assert "accepted as foreign" in " ".join(capsys.readouterr().err.split())
    loaded = registry.load(other.models_dir, other.signing_key())
    assert (
        loaded.version == ms.version
        and registry.accepted(other.models_dir, ms.version)["trained_for_store"] == store.id
    )
    last = other.audit.entries().row(-1, named=True)
    assert last["action"] == "activate" and "trained elsewhere" in last["details"]
    refused = other.audit.entries().row(-2, named=True)
    assert (refused["action"], refused["outcome"]) == ("activate", "refused")
    # the set says it was simulated: foreign, synthetic, wherever its numbers appear
    assert loaded.foreign and loaded.basis == "foreign: synthetic history"
    assert set(api.review(other).projection["basis"]) - {"actual"} == {"foreign: synthetic history"}


def test_a_foreign_set_claiming_history_is_labelled_foreign_unverified(trained, tmp_path, capsys):
    import io

    import openpyxl

    from forecast import service
    from forecast.interfaces import export

    store, ms, _ = trained
    other = Store.create(config.DEFAULT_STORE_DIR, from_reference=True)  # the app's store
    shutil.copytree(store.models_dir / ms.version, other.models_dir / ms.version)
    path = other.models_dir / ms.version / "manifest.json"  # a simulated training, claimed as history
    path.write_text(path.read_text().replace('"basis": "synthetic history"', '"basis": "history"'))
    assert main(["--store", str(other.root), "models", "--activate", ms.version, "--foreign"]) == 0
    capsys.readouterr()
    loaded = registry.load(other.models_dir, other.signing_key())
    assert (loaded.basis, loaded.manifest["claimed_basis"]) == ("foreign (unverified)", "history")
    assert main(["--store", str(other.root), "rank", "--lang", "en"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "Basis: FOREIGN (UNVERIFIED) - model set" in err and "Basis: history" not in err
    assert "KPIs: fitted KPI model of model set v0001 (FOREIGN, UNVERIFIED)" in err
    assert main(["--store", str(other.root), "project", "--lang", "en"]) == 0
    assert "Basis: FOREIGN (UNVERIFIED)" in " ".join(capsys.readouterr().err.split())
    assert main(["--store", str(other.root), "project", "--format", "csv"]) == 0
    assert "foreign (unverified)" in capsys.readouterr().out  # the basis column of the export
    assert service._basis_notes(other)[0].startswith("money: FOREIGN (UNVERIFIED) - model set v0001")
    rv = api.review(other)
    assert set(rv.projection["basis"]) - {"actual"} == {"foreign (unverified)"}
    assert rv.portfolio()["basis"][0].startswith("foreign (unverified)")
    book = openpyxl.load_workbook(io.BytesIO(export.report_workbook(rv, "en")), read_only=True)
    cells = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert "foreign (unverified)" in cells and not {"history", "synthetic history"} & cells
    listing = api.model_sets(other).row(0, named=True)
    assert listing["basis"] == "foreign (unverified) (its manifest says history)"
    assert listing["signature"].startswith("foreign, accepted by")
    at = open_page("ranking", lang="en", role="viewer")
    warned = " ".join(w.value for w in at.warning)
    assert "Foreign (unverified): model set v0001" in warned and "Trained on real history" not in str(at.caption)
    # the acceptance is signed with the manifest: removing it does not make the set native
    (other.models_dir / ms.version / "accepted.json").unlink()
    with pytest.raises(registry.RegistryError, match="not signed by this store"):
        registry.load(other.models_dir, other.signing_key())


def _crafted(trained, tmp_path, edit_origin, champion: str = "gbm_quantile") -> tuple[Store, str]:
    """A store whose active set is a copy of the trained one (v0001, signed here) beside v0002: its origin 1 only,
    rewritten by ``edit_origin`` and saved again with its sha256 fixed - what someone without the key can make."""
    import zipfile

    import skops.io as sio

    from forecast.durable import sha256_file
    from forecast.model import vetting

    store, ms, _ = trained
    other = Store.create(tmp_path / "other", from_reference=True)
    good, bad = other.models_dir / "v0001", other.models_dir / "v0002"
    shutil.copytree(store.models_dir / ms.version, good)
    _resign(other.models_dir, "v0001", other.signing_key(), lambda m: None)  # as if trained here
    (other.models_dir / "ACTIVE").write_text("v0001\n")
    bad.mkdir()
    manifest = json.loads((good / "manifest.json").read_text())
    artifact = bad / "origin-1.skops"
    origin = vetting.read_artifact(good / "origin-1.skops", manifest["artifacts"]["origin-1.skops"])
    sio.dump(edit_origin(origin), artifact, compression=zipfile.ZIP_DEFLATED)
    manifest.update(artifacts={"origin-1.skops": sha256_file(artifact)}, champions={"1": champion}, version="v0002")
    (bad / "manifest.json").write_text(json.dumps(manifest))
    (bad / "manifest.sig").write_text((good / "manifest.sig").read_text())  # another store's signature
    return other, "v0002"


def _out_of_range(origin: dict) -> dict:
    """Every gradient-boosting tree's root pointing far outside its nodes (left = right = feature = 2**30)."""
    for model in origin["gbm_quantile"].values():
        for gbm in model.estimator.models_:
            for (tree,) in gbm._predictors:
                tree.nodes[0:1][["left", "right", "feature_idx", "is_leaf"]] = (2**30, 2**30, 2**30, 0)
    return origin


def test_a_crafted_tree_set_is_refused_before_activation_and_readers_keep_working(trained, tmp_path, capsys):
    other, bad = _crafted(trained, tmp_path, _out_of_range)
    before = api.review(other).projection
    signature = (other.models_dir / bad / "manifest.sig").read_text()
    assert main(["--store", str(other.root), "models", "--activate", bad, "--foreign"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "origin-1.skops" in err and "left child 1073741824 is outside nodes" in err
    assert "splits on feature 1073741824" in err and "was not activated; the active set is still v0001" in err
    assert registry.active_version(other.models_dir) == "v0001"  # nothing changed
    assert not (other.models_dir / bad / "accepted.json").exists()
    assert (other.models_dir / bad / "manifest.sig").read_text() == signature
    last = other.audit.entries().row(-1, named=True)
    assert (last["action"], last["target"], last["outcome"]) == ("activate", bad, "refused")
    ui.reset()
    after = api.review(other).projection  # the readers keep working, on the active set
    assert after.equals(before) and set(after["basis"]) <= {"synthetic history", "actual"}
    assert main(["--store", str(other.root), "rank"]) == 0
    # even a set signed by someone holding the key is checked before a tree can run: refused, not a crash
    _resign(other.models_dir, bad, other.signing_key(), lambda m: None)
    loaded = registry.load(other.models_dir, other.signing_key(), bad)
    with pytest.raises(registry.RegistryError, match="node 0's right child 1073741824 is outside nodes"):
        loaded.origins[1]


def test_a_process_that_crashes_is_a_refusal_not_a_crash(monkeypatch, tmp_path):
    from forecast.model import vetting

    monkeypatch.setattr(vetting, "CHILD", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    with pytest.raises(registry.RegistryError, match=re.escape("crashed the process (SIGSEGV)")):
        vetting.probe(tmp_path, {"origin-1.skops": "0" * 64}, {"1": "plan"})


@pytest.mark.parametrize("kind", ["DummyRegressor", "FunctionTransformer"])
def test_only_the_types_the_readme_lists_are_loaded(trained, tmp_path, capsys, kind):
    import numpy as np
    import skops.io as sio
    from sklearn.dummy import DummyRegressor
    from sklearn.preprocessing import FunctionTransformer

    from forecast.model.models import Calibrated

    def swap(origin: dict) -> dict:
        model = origin["plan"]["disbursed"]
        if kind == "DummyRegressor":
            origin["plan"]["disbursed"] = Calibrated(DummyRegressor().fit([[0.0]], [0.5]), model.calibration)
        else:
            origin["plan"]["disbursed"] = FunctionTransformer(func=np.exp)
        return origin

    other, bad = _crafted(trained, tmp_path, swap, champion="plan")
    data = (other.models_dir / bad / "origin-1.skops").read_bytes()
    named = "sklearn.dummy.DummyRegressor" if kind == "DummyRegressor" else "FunctionTransformer"
    assert not any(named in u for u in sio.get_untrusted_types(data=data))  # skops alone would load it
    assert main(["--store", str(other.root), "models", "--activate", bad, "--foreign"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "holds types that a model set never holds" in err and named in err and "origin-1.skops" in err
    assert kind == "DummyRegressor" or "numpy.exp" in err  # a function, named too
    assert registry.active_version(other.models_dir) == "v0001"
    _resign(other.models_dir, bad, other.signing_key(), lambda m: None)  # nor does a reader load it
    with pytest.raises(registry.RegistryError, match="holds types that a model set never holds"):
        registry.load(other.models_dir, other.signing_key(), bad).origins[1]


def test_the_allow_list_is_the_readmes_and_the_checks_match_the_libraries():
    import skops.io._protocol as protocol
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    from forecast.model import vetting
    from forecast.model.estimators import CANDIDATES
    from forecast.model.models import Calibrated, Calibration

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("**Model files cannot run code")[1].split("```text\n")[1].split("\n```")[0]
    assert tuple(block.splitlines()) == vetting.TRUSTED_TYPES
    ours = {f"{c.__module__}.{c.__qualname__}" for c in (*CANDIDATES.values(), Calibrated, Calibration)}
    assert ours <= set(vetting.TRUSTED_TYPES)
    assert vetting.SKOPS_PROTOCOL == protocol.PROTOCOL and vetting.NODE_DTYPE == PREDICTOR_RECORD_DTYPE


def test_a_foreign_basis_is_what_the_store_can_verify():
    claims = {"basis": "history", "kpi": {"trained": True, "basis": "history"}}
    assert registry.foreign_basis(claims) == "foreign (unverified)"  # a claim of real history is not taken
    assert registry.foreign_basis(claims, verified="history") == "foreign: history"
    assert registry.foreign_basis({"basis": "synthetic history"}) == "foreign: synthetic history"
    assert registry.foreign_basis({**claims, "kpi": {"basis": "synthetic history"}}) == "foreign: synthetic history"


def test_the_basis_comes_from_recorded_provenance_not_from_ids(tmp_path):
    from forecast.model import engine, synthetic

    tables = synthetic.simulate(projects=12, years=3, seed=5)
    renamed = {
        k: v.with_columns(v["project_id"].str.replace("^sim-", "real-")) if "project_id" in v.columns else v
        for k, v in tables.items()
    }
    paths = synthetic.write(renamed, tmp_path / "history")  # ids renamed; SYNTHETIC.md and the tags remain
    store = Store.create(tmp_path / "store")
    store.ingest(paths)
    assert store.manifests()[-1]["provenance"] == engine.SYNTHETIC
    assert store.snapshot().provenance == engine.SYNTHETIC
    assert engine.read_history(paths).basis == engine.SYNTHETIC


# --- outputs --------------------------------------------------------------------------------------------
J = JOINER  # the invisible word joiner that breaks what Markdown finds in the text itself
INERT = [  # what would become a link, math, an icon, an emoji or coloured text if a page let it through
    "www.attacker.example/phish",
    "http://attacker\u3002example/login",
    "http://2130706433/phish",
    "helpdesk@attacker.example",
    "$x^2$",
    ":material/home:",
    ":red[alarm] :smile:",
    "http&#58;//entity.attacker.example",
    "[คลิกเพื่อยืนยันตัวตน](http://attacker.example) ![](http://beacon.example/x.png)",
]
LIVE = re.compile(  # in a Markdown body after ui.md: none of these may be left
    r"(?i)[a-z]:/|www\.|[\w.+-]@[\w-]|(?<!\\)\$|(?<!\\)&#?\w+;|:[\w/+-]+:|:[\w-]+\[|(?<!\\)\]\("
)


def test_names_reach_the_page_as_plain_text():
    assert ui.md("[verify](http://attacker.example) ![x](http://b.example/p.png)") == (
        f"\\[verify\\]\\(http\\:{J}\\/\\/attacker\\.example\\) \\!\\[x\\]\\(http\\:{J}\\/\\/b\\.example\\/p\\.png\\)"
    )
    assert ui.md("**bold** # title <b>") == "\\*\\*bold\\*\\* \\# title \\<b\\>"
    assert ui.md("www.a.example") == f"www{J}\\.a\\.example" and ui.md("x@y.z") == f"x{J}\\@y\\.z"
    assert ui.md("$x^2$ :material/home:") == f"\\$x\\^2\\$ \\:{J}material\\/home\\:{J}"
    for name in INERT:
        shown = ui.md(name)
        assert not LIVE.search(shown), (name, shown)
        assert re.sub(r"\\(.)", r"\1", shown).replace(J, "") == name  # it reads as typed


def _inert_store(tmp_path) -> Store:
    """The default store with the reference report, its projects, plan line, owner and KPIs renamed with ``INERT``."""
    from tests.conftest import reference_copy

    def rename(rows):
        for r, name in zip(rows, INERT):
            r["name_th"] = r["name_en"] = name
        rows[0]["owner"], rows[1]["plan_line"] = "owner@attacker.example", "www.plan.attacker.example"
        if "agency" in rows[0]:  # a second agency, so that the Agencies page is there, with a name of its own
            for r in rows[2:5]:
                r["agency"] = "helpdesk@agency.example :material/home:"
        return rows

    store = Store.create(config.DEFAULT_STORE_DIR)

    def kpis(rows):
        keys = sorted({(r["project_id"], r["kpi_id"]) for r in rows})
        for r in rows:  # every vintage of a KPI under the same name
            r["name_th"] = r["name_en"] = INERT[keys.index((r["project_id"], r["kpi_id"])) % len(INERT)]
        return rows

    store.ingest(reference_copy(tmp_path / "in", {"projects": rename, "kpis": kpis}))
    api.set_targets(store, 2569, 0.93, note="see www.attacker.example/targets or $x$ :smile:")  # a free-text note
    return store


def _markdown(at: AppTest) -> list[str]:
    """Every body the page sends through Markdown: text, captions, alerts, metrics (label, value, delta), toasts."""
    bodies = [e.value for kind in ("markdown", "caption", "warning", "info", "error", "success") for e in at.get(kind)]
    for m in at.metric:
        bodies += [m.label, m.value, m.proto.delta]
    badges = {f":{c}-badge[{ui.level_label(lv, lang)}]" for lv, c in ui.LEVEL_BADGE.items() for lang in ("th", "en")}
    return [b for b in bodies if b and b not in badges]  # the level badge is ours


def test_names_are_inert_on_every_page_that_shows_them(tmp_path):
    store = _inert_store(tmp_path)
    ids = store.read("projects")["project_id"].to_list()
    at = open_page(role="viewer")
    for lang in ("th", "en"):
        at.sidebar.radio(key=ui.LANG).set_value(lang).run()
        for page in ("overview", "ranking", "agencies", "data", *ids[:4]):
            if page in ids:
                at.switch_page("app_pages/project.py").run()
                at.selectbox(key=ui.PROJECT).set_value(page).run()
            else:
                at.switch_page(f"app_pages/{page}.py").run()
            assert not at.exception, (page, at.exception)
            bodies = _markdown(at)
            for body in bodies:
                assert not LIVE.search(body), (lang, page, body)
            readable = " ".join(re.sub(r"\\(.)", r"\1", b).replace(J, "") for b in bodies)
            if page == "ranking":  # the reasons under the table name every project, as typed
                assert all(name in readable for name in INERT), readable
            if page in ("etda-digital-id", "etda-digital-infrastructure"):  # its KPIs, by name
                assert any(name in readable for name in INERT), readable


FORMULAS = ['=HYPERLINK("http://attacker.example","open")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0"]


def test_the_clis_csv_follows_the_apps_rule_for_formulas(tmp_path, capsys):
    """rank, data, project and portfolio --format csv: a cell a spreadsheet would run starts with ' (OWASP), as the
    app's download does; numbers, negative ones too, are left as they are."""
    from tests.conftest import reference_copy

    def rename(rows):
        for r, name in zip(rows, FORMULAS):
            r["name_th"] = r["name_en"] = name
        rows[3]["agency"] = "-1+cmd|' /C calc'!A0"  # a group of the portfolio
        return rows

    store = Store.create(tmp_path / "store")
    store.ingest(reference_copy(tmp_path / "in", {"projects": rename}))
    seen = set()
    commands = (
        ["rank"],
        ["data", "--table", "projects"],
        ["project"],
        ["portfolio", "--by", "agency", "--draws", "1000"],
    )
    for command in commands:
        assert main(["--store", str(store.root), *command, "--format", "csv"]) == 0
        out = capsys.readouterr().out
        rows = list(csv.reader(io.StringIO(out)))
        for cell in (c for row in rows[1:] for c in row):
            assert not re.match(r"[=+\-@\t\r]", cell) or re.fullmatch(export.NUMBER, cell), (command, cell)
            seen.add(cell)
    assert {f"'{f}" for f in FORMULAS} <= seen and "'-1+cmd|' /C calc'!A0" in seen


def test_streamlit_is_configured_for_production():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["address"] == "127.0.0.1" and cfg["server"]["maxUploadSize"] == 50
    assert cfg["client"]["showErrorDetails"] == "none" and cfg["client"]["toolbarMode"] == "viewer"
    assert cfg["browser"]["gatherUsageStats"] is False


def test_downloads_by_a_signed_in_user_are_in_the_audit_trail(agency_store):
    agency_store.users.add("malee", "viewer", PASSWORD)

    def script():
        import streamlit as st

        from forecast.data.store import Store
        from ui import actions
        from ui.auth import USER, Session

        st.session_state[USER] = Session("malee", "viewer")
        actions.record_download(Store.open(), "forecast_report.xlsx", "latest")

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    last = agency_store.audit.entries().row(-1, named=True)
    assert (last["action"], last["user"], last["target"]) == ("download", "malee", "forecast_report.xlsx")


def test_a_remembered_sign_in_is_signed_expires_and_ends_with_a_new_password(tmp_path):
    from forecast import api
    from forecast.access import sessions

    store = Store.create(tmp_path / "s")
    store.users.add("somchai", "planner", "correct horse battery")
    token = api.remember_sign_in(store, "somchai")
    assert token and api.remembered(store, token) == ("somchai", "planner")
    user, expires, nonce, sig = token.split(".")
    forged = ".".join([sessions._name("admin"), expires, nonce, sig])  # another user's name, same signature
    assert api.remembered(store, forged) is None
    assert api.remembered(store, ".".join([user, str(int(expires) + 9999), nonce, sig])) is None  # a later expiry
    assert api.remembered(store, token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert api.remembered(store, "") is None and api.remembered(store, "a.b.c") is None
    key = store.signing_key()
    late = sessions.issue(key, store.users, "somchai", ttl=60, now=0)
    assert sessions.check(key, store.users, late, now=59) == "somchai"
    assert sessions.check(key, store.users, late, now=61) is None  # expired
    store.users.set_role("somchai", "analyst")
    assert api.remembered(store, token) == ("somchai", "analyst")  # the role of now
    store.users.passwd("somchai", "another long passphrase 2")
    assert api.remembered(store, token) is None  # a new password ends every remembered sign-in
    fresh = api.remember_sign_in(store, "somchai")
    store.users.disable("somchai")
    assert api.remembered(store, fresh) is None
    other = Store.create(tmp_path / "t")
    other.users.add("somchai", "planner", "another long passphrase 2")
    assert api.remembered(other, fresh) is None  # another store's key


def test_an_origin_read_again_is_a_copy_and_a_replaced_file_is_still_refused(models_copy):
    """A second read of the same bytes is a deep copy of the first rebuild (a caller's edit stays its own);
    the file is still read and checked each time."""
    from forecast.model import vetting

    _, ms, copy = models_copy
    sha = json.loads((copy / ms.version / "manifest.json").read_text())["artifacts"]["origin-1.skops"]
    first = vetting.read_artifact(copy / ms.version / "origin-1.skops", sha)
    name = next(iter(first))
    first.pop(name)  # a caller's own edit
    again = vetting.read_artifact(copy / ms.version / "origin-1.skops", sha)
    assert name in again and again is not first
    assert set(again) == set(ms.origins[1])
    (copy / ms.version / "origin-1.skops").write_bytes((copy / ms.version / "origin-2.skops").read_bytes())
    with pytest.raises(registry.RegistryError, match="does not match the manifest"):
        vetting.read_artifact(copy / ms.version / "origin-1.skops", sha)
