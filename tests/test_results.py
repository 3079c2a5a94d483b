"""Results kept beside the store: computed once, read back exactly, never stale, never trusted when edited."""

from __future__ import annotations

import dataclasses

import polars as pl
from polars.testing import assert_frame_equal

from forecast import api, config
from forecast.data.results import Results
from forecast.data.store import Store
from forecast.decisions import review as R
from forecast.interfaces.cli import main


def _entries(store: Store) -> set[str]:
    folder = store.root / "results"
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")} if folder.exists() else set()


def test_a_review_is_kept_and_read_back_exactly(tmp_path):
    store = Store.create(tmp_path / "s", from_reference=True)
    snap = store.snapshot("latest", last_years=2)
    first = R.review(snap, None, None, store.results)
    again = R.review(snap, None, None, store.results)
    assert not first.from_results and again.from_results and again.key == first.key
    for frame in R.FRAMES:
        assert_frame_equal(getattr(first, frame), getattr(again, frame))
    assert_frame_equal(again.portfolio("agency"), first.portfolio("agency"))
    # the same numbers as a review computed with nothing kept
    assert_frame_equal(R.review(snap).risk, again.risk)


def test_a_changed_target_model_or_report_is_a_new_key(tmp_path, trained):
    store = Store.create(tmp_path / "s", from_reference=True)
    snap = store.snapshot("latest", last_years=2)
    base = R.review(snap, None, None, store.results)
    other_target = R.review(snap, None, dataclasses.replace(base.policy, target=0.8), store.results)
    with_models = R.review(snap, trained[1], None, store.results)
    earlier = R.review(store.snapshot("2025-12-30", last_years=2), None, None, store.results)
    keys = {base.key, other_target.key, with_models.key, earlier.key}
    assert len(keys) == 4 and not any(r.from_results for r in (other_target, with_models, earlier))
    assert other_target.policy.target == 0.8 and base.policy.target == 0.93


def test_an_edited_result_is_ignored_and_computed_again(tmp_path):
    store = Store.create(tmp_path / "s", from_reference=True)
    snap = store.snapshot("latest", last_years=2)
    first = R.review(snap, None, None, store.results)
    path = store.root / "results" / first.key / "risk.parquet"
    edited = first.risk.with_columns(pl.lit(0.0).alias("risk_score"))
    edited.write_parquet(path)  # the numbers management reads, changed on disk
    again = R.review(snap, None, None, store.results)
    assert not again.from_results
    assert_frame_equal(again.risk, first.risk)
    # a forged signature does not help: the key is outside the results folder
    (store.root / "results" / first.key / "meta.sig").write_text("0" * 64)
    assert not R.review(snap, None, None, store.results).from_results


def test_nothing_is_kept_for_the_read_only_reference_data():
    reference = Store.open()
    assert not reference.results.enabled
    rv = R.review(reference.snapshot("latest", last_years=2), None, None, reference.results)
    assert rv.key == "" and not rv.from_results
    assert Results(None, None).put("k", {"x": pl.DataFrame({"a": [1]})}) is False


def test_ingest_training_and_activation_keep_the_review_the_cli_reads(tmp_path, capsys):
    store = Store.create(tmp_path / "s")
    api.ingest(store, [config.REFERENCE_DIR])
    kept = _entries(store)
    # the revisions, the latest review, its portfolios (whole and by agency), the previous report's review
    assert len(kept) == 5
    assert main(["--store", str(store.root), "rank", "--format", "csv", "--lang", "en"]) == 0
    from_kept = capsys.readouterr().out
    assert _entries(store) == kept  # read, not computed again
    ranked = api.rank(Store.open(), lang="en")  # the reference data, computed afresh
    assert from_kept.count("\n") == ranked.height + 1
    for pid in ranked["project_id"]:
        assert pid in from_kept


def test_old_entries_are_removed(tmp_path, monkeypatch):
    from forecast.data import results

    monkeypatch.setattr(results, "KEEP", 3)
    kept = Results(tmp_path / "r", b"k" * 32)
    for i in range(5):
        assert kept.put(f"key{i}", {"x": pl.DataFrame({"a": [i]})})
    names = {p.name for p in (tmp_path / "r").iterdir()}
    assert len(names) == 3 and "key4" in names
    assert kept.get("key4")["x"]["a"].to_list() == [4]


def test_refresh_keeps_the_review_again_after_an_upgrade(tmp_path, capsys):
    store = Store.create(tmp_path / "s", from_reference=True)
    assert main(["--store", str(store.root), "refresh"]) == 0
    out = capsys.readouterr().out
    assert "Kept the review of 2026-03-31 (9 projects, model set none)" in out
    assert len(_entries(store)) == 5
    assert main(["refresh"]) == 0  # the read-only reference data: nothing to keep, and no error
    assert "read-only" in capsys.readouterr().err


def test_a_store_that_cannot_be_written_computes_without_keeping(tmp_path, monkeypatch):
    from forecast.access import signing

    store = Store.create(tmp_path / "s", from_reference=True)

    def refuse(folder):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(signing, "key", refuse)  # as for a user who may read the store but not write it
    assert not store.results.enabled
    rv = R.review(store.snapshot("latest", last_years=2), None, None, store.results)
    assert rv.risk.height == 9 and not rv.from_results and not (store.root / "results").exists()


def test_an_ingest_stores_even_when_the_review_cannot_be_kept(tmp_path):
    store = Store.create(tmp_path / "s")
    store.models_dir.mkdir(parents=True, exist_ok=True)
    (store.models_dir / "ACTIVE").write_text("v0007\n")  # an active set that is not there
    result = api.ingest(store, [config.REFERENCE_DIR])
    assert result.vintage == 1 and store.read("projects").height == 9
    assert len(_entries(store)) == 1  # the revisions; the review is computed when it is read
