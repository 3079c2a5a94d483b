"""A hand on the disk: each tamper that a plain hash chain missed is named by ``verify`` and refused by readers.

Whoever can write the store's folder but does not hold its key (``access/signing.key``) cannot make an edited
or forged vintage, HEAD, latest view, kept result or audit entry verify; cutting the trail off, replaying an
old copy or deleting it is proven by digests kept elsewhere (``verify --anchor`` / ``--against``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from forecast.access.audit import _digest
from forecast.data import schema as s
from forecast.data.results import Results
from forecast.data.store import Anchor, Store
from forecast.durable import sha256_bytes, sha256_file
from forecast.errors import StoreError
from forecast.interfaces.cli import main
from tests.conftest import REFERENCE_FILES, reference_copy


@pytest.fixture
def two(tmp_path) -> Store:
    """A store with two vintages (the reference data, then a correction)."""
    store = Store.create(tmp_path / "s")
    store.ingest(REFERENCE_FILES)
    store.ingest(reference_copy(tmp_path / "fix", {"projects": lambda r: [r[0] | {"owner": "ใหม่"}, *r[1:]]}))
    store.versions(s.FINANCE.name)  # the latest view is written
    assert Store.open(store.root).verify() == []
    return store


def _refused(store: Store, capsys, expected: str) -> None:
    """``verify`` names ``expected``, opening refuses, and a reader command exits 2 without a traceback."""
    with pytest.raises(StoreError, match="damaged or was changed outside forecast"):
        Store.open(store.root)
    assert main(["--store", str(store.root), "verify"]) == 1
    err = capsys.readouterr().err
    assert expected in err, err
    assert main(["--store", str(store.root), "data", "--table", "finance"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def _rehash(d: Path, table: str, df: pl.DataFrame) -> bytes:
    """Rewrite ``table`` in vintage folder ``d`` and its sha256 and size in the manifest (no key needed)."""
    f = d / f"{table}.parquet"
    df.write_parquet(f)
    m = json.loads((d / "manifest.json").read_text())
    m["stored"][table] |= {"sha256": sha256_file(f), "bytes": f.stat().st_size}
    raw = json.dumps(m, indent=2, ensure_ascii=False).encode()
    (d / "manifest.json").write_bytes(raw)
    return raw


def _point_head(store: Store, n: int, raw: bytes) -> None:
    (store.root / "HEAD").write_text(json.dumps({"vintage": n, "manifest": sha256_bytes(raw)}))


def test_a_latest_view_rewritten_with_its_sha256_is_named_and_never_read(two, capsys):
    latest = two.root / "latest"
    f = latest / "finance.parquet"
    pl.read_parquet(f).with_columns(pl.col(s.DISBURSED) * 100).write_parquet(f)
    state = json.loads((latest / "STATE.json").read_text())
    state["finance"] |= {"sha256": sha256_file(f), "bytes": f.stat().st_size}
    (latest / "STATE.json").write_text(json.dumps(state))
    _refused(two, capsys, "latest/STATE.json is not sealed")
    # the view is not used even where the store is opened without checking: the figures come from the vintages
    shown = Store.open(two.root, verify=False).versions(s.FINANCE.name)
    assert shown[s.DISBURSED].max() < 1000


def test_an_edited_vintage_with_its_hashes_recomputed_is_named(two, capsys):
    d = two.root / "vintages" / "000002"
    df = pl.read_parquet(d / "projects.parquet").with_columns(pl.lit("ปลอม").alias(s.OWNER))
    _point_head(two, 2, _rehash(d, "projects", df))
    _refused(two, capsys, "vintage 2: its manifest's seal does not verify")


def test_a_hand_appended_vintage_with_a_forged_author_is_named(two, capsys):
    base = two.root / "vintages"
    shutil.copytree(base / "000002", base / "000003")
    m = json.loads((base / "000003" / "manifest.json").read_text())
    m |= {
        "vintage": 3,
        "author": {"user": "director", "via": "app"},
        "previous": sha256_bytes((base / "000002" / "manifest.json").read_bytes()),
    }
    raw = json.dumps(m).encode()
    (base / "000003" / "manifest.json").write_bytes(raw)
    _point_head(two, 3, raw)
    _refused(two, capsys, "vintage 3: its manifest's seal does not verify")  # vintage 2's seal, copied
    (base / "000003" / "manifest.mac").unlink()
    _refused(two, capsys, "vintage 3: ")


def test_a_forged_head_is_named(two, capsys):
    raw = (two.root / "vintages" / "000002" / "manifest.json").read_bytes()
    _point_head(two, 2, raw)  # the right digest, but written without the key
    _refused(two, capsys, "HEAD is not sealed with this store's key")


def _entries(store: Store) -> list[dict]:
    return [json.loads(line) for line in store.audit.path.read_text().splitlines()]


def _write_trail(store: Store, entries: list[dict]) -> None:
    store.audit.path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries))


def test_a_forged_audit_entry_is_named(two, capsys):
    entries = _entries(two)
    forged = {k: v for k, v in entries[-1].items() if k not in ("hash", "mac")}
    forged |= {"seq": len(entries) + 1, "user": "director", "action": "activate", "prev": entries[-1]["hash"]}
    forged["hash"] = _digest(forged)
    forged["mac"] = entries[-1]["mac"]
    _write_trail(two, [*entries, forged])
    (two.root / "access" / "audit.head").write_text(f"{forged['seq']} {forged['hash']} {forged['mac']}\n")
    _refused(two, capsys, f"(entry {forged['seq']}, activate at")


def test_authors_rewritten_and_rehashed_are_named(two, capsys):
    prev, out = "0" * 64, []
    for entry in _entries(two):
        e = {k: v for k, v in entry.items() if k not in ("hash", "mac")} | {"user": "someone else", "prev": prev}
        e["hash"] = prev = _digest(e)
        out.append(e)
    _write_trail(two, out)
    _refused(two, capsys, "no entry is sealed with this store's key")
    assert main(["--store", str(two.root), "verify", "--seal"]) == 2  # the vintages are sealed: not sealed over
    assert "parts of this store are sealed" in capsys.readouterr().err


def test_the_last_entry_and_head_removed_together_are_named(two, capsys):
    entries = _entries(two)
    _write_trail(two, entries[:-1])
    (two.root / "access" / "audit.head").write_text(f"{entries[-2]['seq']} {entries[-2]['hash']}\n")
    _refused(two, capsys, "audit.head is not sealed")


def test_a_deleted_trail_is_named(two, capsys):
    two.audit.path.unlink()
    (two.root / "access" / "audit.head").unlink()
    _refused(two, capsys, "vintage 1: no entry of the audit trail records it")


def test_a_deleted_key_is_named(two, capsys):
    (two.root / "access" / "signing.key").unlink()
    with pytest.raises(StoreError, match=r"signing\.key"):
        Store.open(two.root)


def test_swapped_results_entries_are_not_used(tmp_path):
    kept = Results(tmp_path / "results", b"k" * 32)
    a = pl.DataFrame({"x": [1]})
    b = pl.DataFrame({"x": [2]})
    assert kept.put("a" * 40, {"risk": a}) and kept.put("b" * 40, {"risk": b})
    root = tmp_path / "results"
    (root / ("a" * 40)).rename(root / "tmp")
    (root / ("b" * 40)).rename(root / ("a" * 40))
    (root / "tmp").rename(root / ("b" * 40))
    assert kept.get("a" * 40) is None and kept.get("b" * 40) is None


def test_anchored_digests_prove_a_replayed_trail_and_deleted_vintages(two, tmp_path, capsys):
    access = two.root / "access"
    saved = {f: (access / f).read_bytes() for f in ("audit.jsonl", "audit.head")}  # an old copy, kept by an intruder
    two.audit.record("export", {"user": "somchai"}, target="report.pdf")
    assert main(["--store", str(two.root), "verify", "--anchor"]) == 0
    line = capsys.readouterr().out.strip()
    anchor = Anchor.parse(line)
    assert anchor.vintage[0] == 2 and anchor.audit[0] == len(_entries(two)) and anchor.store == two.id
    digests = tmp_path / "digests.txt"
    digests.write_text(f"kept in ticket 4711:\n{line}\n")
    assert main(["--store", str(two.root), "verify", "--against", str(digests)]) == 0
    assert "nothing up to the digests given changed" in capsys.readouterr().out
    for f, data in saved.items():  # the old copy replayed: the trail alone cannot tell
        (access / f).write_bytes(data)
    assert main(["--store", str(two.root), "verify"]) == 0
    capsys.readouterr()
    assert main(["--store", str(two.root), "verify", "--against", line]) == 1
    assert "before the anchored entry" in capsys.readouterr().err
    for f in ("audit.jsonl", "audit.head"):  # the trail deleted
        (access / f).unlink()
    assert main(["--store", str(two.root), "verify", "--against", line]) == 1
    assert "before the anchored entry" in capsys.readouterr().err
    assert main(["--store", str(two.root), "verify", "--against", "not digests"]) == 2
    assert "no digests found" in capsys.readouterr().err


def test_a_store_written_before_keyed_chains_is_refused_until_an_administrator_seals_it(two, capsys):
    for d in (two.root / "vintages").iterdir():  # as an older version wrote it: no seals anywhere
        (d / "manifest.mac").unlink()
    head = json.loads((two.root / "HEAD").read_text())
    (two.root / "HEAD").write_text(json.dumps({k: head[k] for k in ("vintage", "manifest")}))
    shutil.rmtree(two.root / "latest")
    entries = [{k: v for k, v in e.items() if k != "mac"} for e in _entries(two)]
    _write_trail(two, entries)
    (two.root / "access" / "audit.head").write_text(f"{entries[-1]['seq']} {entries[-1]['hash']}\n")
    _refused(two, capsys, "forecast verify --seal")
    assert main(["--store", str(two.root), "verify", "--seal"]) == 0
    assert "sealed as it is now (2 vintage(s) sealed" in capsys.readouterr().out
    assert Store.open(two.root).verify() == []
    assert _entries(two)[-1]["action"] == "seal"
    # a broken chain is not sealed over
    (two.root / "vintages" / "000002" / "manifest.mac").unlink()
    m = two.root / "vintages" / "000001" / "manifest.json"
    m.write_text(m.read_text().replace('"format"', '"formats"'))
    assert main(["--store", str(two.root), "verify", "--seal"]) == 2
    assert "cannot be sealed" in capsys.readouterr().err


def _killed_before_commit(store: Store, files: list[Path], monkeypatch) -> None:
    """Ingest ``files`` in a process that dies after the audit entry, before the vintage's rename."""

    def killed(self, ready):
        raise SystemExit(137)

    with monkeypatch.context() as m:
        m.setattr(type(store.disk), "commit", killed)
        with pytest.raises(SystemExit):
            store.ingest(files)


def test_an_ingest_recorded_but_never_put_in_place_is_completed_or_rolled_back(two, tmp_path, monkeypatch):
    fix = reference_copy(tmp_path / "fix2", {"projects": lambda r: [r[0] | {"owner": "อีกครั้ง"}, *r[1:]]})
    _killed_before_commit(two, fix, monkeypatch)
    assert Store.open(two.root, verify=False).verify() == []  # an interrupted write, not damage
    assert Store.open(two.root).verify() == [] and len(two.disk.dirs()) == 3  # completed at the next open
    assert two.audit.entries()["action"].to_list()[-1] == "recover"
    # the same, with the prepared vintage lost: the entry is rolled back, recorded, and a retry stores it
    fix3 = reference_copy(tmp_path / "fix3", {"projects": lambda r: [r[0] | {"owner": "สาม"}, *r[1:]]})
    _killed_before_commit(two, fix3, monkeypatch)
    for tmp in two.disk.prepared():
        shutil.rmtree(tmp)
    (two.disk.base / ".tmp-lost").mkdir()  # a trace that sets recovery off
    store = Store.open(two.root)
    assert store.verify() == [] and len(store.disk.dirs()) == 3
    last = store.audit.entries().row(-1, named=True)
    assert (last["action"], last["outcome"], last["target"]) == ("ingest", "rolled back", "vintage 4")
    assert store.ingest(fix3).vintage == 4 and store.verify() == []
