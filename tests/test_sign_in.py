"""Sign-in without leaks: no user enumeration, a one-time password once, a hash at today's cost, an owner-only
audit trail that escapes what it records, failures counted on a full disk, and every refusal and export recorded."""

from __future__ import annotations

import json
import stat

import polars as pl
import pytest

from forecast import api
from forecast.access import roles
from forecast.access import users as U
from forecast.access.audit import AuditLog
from forecast.access.roles import Actor
from forecast.access.users import AccessError, Users
from forecast.data.store import Store
from forecast.interfaces.cli import main
from tests import disk
from tests.conftest import reference_copy

SECRET = "a long enough secret"


class Work:
    """What one sign-in attempt costs: its scrypt checks (with their N) and its durable writes."""

    def __init__(self, monkeypatch):
        self.calls: list[tuple] = []
        real_scrypt, real_put = U._scrypt, U.replace_durably
        monkeypatch.setattr(U, "_scrypt", lambda *a: self.calls.append(("scrypt", a[2])) or real_scrypt(*a))
        monkeypatch.setattr(U, "replace_durably", lambda p, *a: self.calls.append(("write", p.name)) or real_put(p, *a))

    def of(self, users: Users, name: str, password: str) -> tuple[list[tuple], str, str]:
        self.calls.clear()
        with pytest.raises(AccessError) as exc:
            users.authenticate(name, password)
        return list(self.calls), exc.value.code, str(exc.value)


def test_an_unknown_name_and_a_locked_one_get_the_same_answer_for_the_same_work(tmp_path, monkeypatch):
    users = Users(tmp_path / "access")
    users.add("malee", "viewer", SECRET)
    U._decoy()  # made once per process and cost, before any attempt
    work = Work(monkeypatch)
    first = [work.of(users, name, "wrong") for name in ("malee", "nobody")]
    assert first[0] == first[1]  # a wrong password and an unknown name: the same answer, the same work
    assert first[0][0] == [("scrypt", U.N), ("write", U.SIGNINS)] and first[0][1] == "wrong"
    for _ in range(4):
        for name in ("malee", "nobody"):
            work.of(users, name, "wrong")
    locked = [work.of(users, name, SECRET) for name in ("malee", "nobody")]  # the right password does not help
    assert locked[0] == locked[1] and locked[0][1] == "locked" and "locked until" in locked[0][2]
    assert locked[0][0] == [("scrypt", U.N), ("write", U.SIGNINS)]
    # names are not kept in clear among the failures
    assert (
        "malee" not in (tmp_path / "access" / U.SIGNINS).read_text()
        and "nobody" not in (tmp_path / "access" / U.SIGNINS).read_text()
    )
    users.enable("malee")  # an administrator unlocks
    assert users.authenticate("malee", SECRET).name == "malee"


def test_a_one_time_password_signs_in_once(tmp_path):
    users = Users(tmp_path / "access")
    otp = users.add("somchai", "planner")
    assert users.authenticate("somchai", otp).must_change  # the first session: must set its own password
    with pytest.raises(AccessError, match="used to sign in already") as exc:
        users.authenticate("somchai", otp)  # a second session with the same one-time password
    assert exc.value.code == "otp_used"
    users.passwd("somchai", "my own long password")  # what the first session does next
    assert not users.authenticate("somchai", "my own long password").must_change
    again = users.passwd("somchai")  # an administrator's reset: a new one-time password, once again
    assert users.authenticate("somchai", again).must_change
    with pytest.raises(AccessError, match="used to sign in already"):
        users.authenticate("somchai", again)


def test_scrypt_runs_at_owasp_cost_and_an_older_hash_is_made_again_at_sign_in(tmp_path, monkeypatch):
    assert U.COST_N >= 2**17 and U.R == 8 and U.P == 1
    users = Users(tmp_path / "access")
    monkeypatch.setattr(U, "N", 2**12)
    users.add("somchai", "analyst", SECRET)  # a hash of an older, cheaper cost
    path = tmp_path / "access" / U.FILE
    assert json.loads(path.read_text())["users"]["somchai"]["hash"].startswith("scrypt$4096$")
    monkeypatch.setattr(U, "N", U.COST_N)  # today's cost
    assert U.outdated(json.loads(path.read_text())["users"]["somchai"]["hash"])
    users.authenticate("somchai", SECRET)
    stored = json.loads(path.read_text())["users"]["somchai"]["hash"]
    assert stored.startswith(f"scrypt${U.COST_N}$8$1$") and not U.outdated(stored)
    assert users.authenticate("somchai", SECRET).name == "somchai"  # the new hash holds the same password


def test_the_audit_trail_is_owner_only(tmp_path):
    log = AuditLog(tmp_path)
    log.record("ingest", {"user": "u"})
    for name in ("audit.jsonl", "audit.head"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    (tmp_path / "audit.jsonl").chmod(0o644)  # a trail made before the rule
    log.record("ingest", {"user": "u"})
    assert stat.S_IMODE((tmp_path / "audit.jsonl").stat().st_mode) == 0o600
    assert log.problems() == []


def test_control_and_bidi_characters_are_escaped_in_audit_records(tmp_path):
    log = AuditLog(tmp_path)
    odd = "mal\u202eyrot\u2066x\u2069\x1b[31m\u200f\r\n"
    log.record("sign in", {"user": odd, "host": "h\u202d"}, target=odd, details={"name": odd, odd: [odd]})
    raw = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    for ch in ("\u202e", "\u2066", "\u2069", "\u202d", "\u200f", "\x1b", "\\r", "\\n"):
        assert ch not in raw.replace("\\\\", ""), repr(ch)
    e = log.entries().row(-1, named=True)
    assert e["user"] == "mal\\u202eyrot\\u2066x\\u2069\\u001b[31m\\u200f\\u000d\\u000a"
    assert e["target"] == e["user"] and "\\u202e" in e["details"]
    assert log.problems() == []  # the chain covers what was written


def test_failures_are_counted_on_a_full_disk_and_sign_in_fails_closed(tmp_path, monkeypatch):
    users = Users(tmp_path / "access")
    users.add("malee", "viewer", SECRET)
    disk.broken(monkeypatch, tmp_path / "access", disk.FULL)
    for _ in range(5):
        with pytest.raises(AccessError):
            users.authenticate("malee", "wrong")
    with pytest.raises(AccessError, match="locked until"):  # counted in memory: the lockout holds
        users.authenticate("malee", SECRET)
    with pytest.raises(AccessError, match="locked until"):  # and an unknown name the same
        _five_then(users, "nobody-at-all")
    monkeypatch.undo()
    monkeypatch.setattr(U, "N", 2**14)
    users.enable("malee")
    disk.broken(monkeypatch, tmp_path / "access", disk.READ_ONLY)
    with pytest.raises(AccessError, match="cannot be recorded") as exc:  # a right password, not kept: refused
        users.authenticate("malee", SECRET)
    assert exc.value.code == "unrecorded"


def _five_then(users: Users, name: str) -> None:
    for _ in range(5):
        with pytest.raises(AccessError):
            users.authenticate(name, "wrong")
    users.authenticate(name, "wrong")


def test_refusals_are_recorded_whoever_asked(tmp_path, capsys):
    store = Store.create(tmp_path / "s", from_reference=True)
    paths = reference_copy(tmp_path / "in")
    for actor, user in (
        (Actor(None, None, "app", signed_in=False, session="s1"), roles.NOBODY),  # nobody signed in
        (Actor("malee", roles.VIEWER, "app", session="s2"), "malee"),
    ):
        with pytest.raises(roles.PermissionDenied):
            api.ingest(store, paths, actor=actor)
        last = store.audit.entries().row(-1, named=True)
        assert (last["action"], last["user"], last["outcome"]) == ("ingest", user, "denied")
    # a refused command on the command line: a bad user name
    assert main(["--store", str(store.root), "users", "add", "Bad Name", "--role", "viewer"]) == 2
    last = store.audit.entries().row(-1, named=True)
    assert (last["action"], last["outcome"], last["target"]) == ("user add", "refused", "Bad Name")
    capsys.readouterr()


def test_every_export_of_the_command_line_is_recorded(tmp_path, capsys):
    st = str(tmp_path / "s")
    assert main(["--store", st, "init", "--from-reference"]) == 0
    for command in (
        ["rank", "--format", "csv"],
        ["data", "--table", "finance", "--format", "tsv"],
        ["kpi", "--format", "json"],
    ):
        assert main(["--store", st, *command]) == 0
    assert main(["--store", st, "report", "--out", str(tmp_path / "r.xlsx"), "--lang", "en"]) == 0
    assert main(["--store", st, "rank"]) == 0  # a table for people is not an export
    capsys.readouterr()
    trail = Store.open(st).audit.entries().filter(pl.col("action") == "export")
    assert trail["target"].to_list() == ["rank --format csv", "data --format tsv", "kpi --format json", "r.xlsx"]
    rows = json.loads(trail["details"][0])
    assert rows["format"] == "csv" and rows["rows"] == 9
    # the public reference data keeps no trail: nothing is written for its exports
    assert main(["rank", "--format", "csv"]) == 0
    from forecast import config

    assert not (config.DEFAULT_STORE_DIR / "access").exists()


@pytest.mark.parametrize("code", [disk.FULL, disk.READ_ONLY])
def test_no_export_without_its_audit_record(tmp_path, monkeypatch, capsys, code):
    st = tmp_path / "s"
    assert main(["--store", str(st), "init", "--from-reference"]) == 0
    capsys.readouterr()
    disk.broken(monkeypatch, st / "access", code)
    out = tmp_path / "out"
    assert main(["--store", str(st), "report", "--out", str(out / "r.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "audit trail" in err and "cannot be written" in err and "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []  # no report, and no temporary file beside it
    assert main(["--store", str(st), "rank", "--format", "csv"]) == 2
    got = capsys.readouterr()
    assert got.out == "" and "cannot be written" in got.err  # nothing printed
