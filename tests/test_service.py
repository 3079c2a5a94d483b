"""The HTTP API over real HTTP: uvicorn on a free loopback port, called with httpx as another system would."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import socket
import threading
import time
from pathlib import Path

import httpx
import polars as pl
import pytest
import uvicorn

from forecast import api
from forecast.access.tokens import Tokens
from forecast.data import schema as s
from forecast.data.store import Store
from forecast.interfaces.cli import main
from forecast.service import create_app

PASSWORD = "a-long-enough-password-1"


# a loaded machine may take seconds to start an ingest or training child: wait for it
TIMEOUT = 60
_get = functools.partial(httpx.get, timeout=TIMEOUT)
_post = functools.partial(httpx.post, timeout=TIMEOUT)
_put = functools.partial(httpx.put, timeout=TIMEOUT)
_delete = functools.partial(httpx.delete, timeout=TIMEOUT)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running(app):
    """The app served by uvicorn in a thread on a free loopback port; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A store holding the reference report, three users with a token each, and the server over it."""
    root = tmp_path_factory.mktemp("service")
    store = Store.create(root / "store", from_reference=True)
    tokens = {}
    for name, role in (("vera", "viewer"), ("anan", "analyst"), ("adm", "admin")):
        store.users.add(name, role, PASSWORD)
        tokens[role] = Tokens(store.access_dir, store.users).issue(name, 30)[1]
    with running(create_app(store, max_body=2 * 1024 * 1024)) as url:
        yield store, url, tokens, root


def _h(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


def _q3(folder: Path, store: Store, disbursed: float = 1.0) -> Path:
    fin = store.read("finance").drop(s.VINTAGE)
    q3 = fin.filter(pl.col(s.QUARTER) == 3).with_columns(
        pl.lit("2026-06-30").alias(s.AS_OF),
        pl.lit(disbursed).alias(s.DISBURSED),
        pl.lit(0.5).alias(s.COMMITTED),
        pl.lit(disbursed + 0.5).alias(s.SPEND),
    )
    folder.mkdir(parents=True, exist_ok=True)
    q3.write_csv(folder / "finance.csv")
    return folder / "finance.csv"


def test_health_and_the_openapi_document(served):
    _, url, _, _ = served
    assert _get(f"{url}/healthz").json() == {"status": "ok"}
    assert _get(f"{url}/readyz").json()["status"] == "ready"
    doc = _get(f"{url}/v1/openapi.json").json()
    assert {"/v1/ranking", "/v1/ingest", "/v1/train", "/v1/portfolio", "/v1/kpis"} <= set(doc["paths"])
    assert _get(f"{url}/v1/docs").status_code == 200


def test_the_ranking_is_the_clis_with_decimal_amounts(served, capsys):
    store, url, tokens, _ = served
    got = _get(f"{url}/v1/ranking", params={"lang": "en"}, headers=_h(tokens["viewer"])).json()
    assert main(["--store", str(store.root), "rank", "--format", "json", "--lang", "en"]) == 0
    assert got["rows"] == json.loads(capsys.readouterr().out)
    assert got["as_of"] == "2026-03-31" and got["currency"] == "THB" and got["notes"]
    proj = _get(f"{url}/v1/projections", headers=_h(tokens["viewer"]), params={"project_id": "etda-digital-id"}).json()
    assert len(proj["rows"]) == 1 and proj["rows"][0]["budget"] == "42.7377"  # as printed, a decimal string
    page = _get(f"{url}/v1/ranking", params={"lang": "en", "limit": 3, "offset": 2}, headers=_h(tokens["viewer"]))
    assert page.json()["total"] == 9 and page.json()["rows"] == got["rows"][2:5]


def test_csv_and_parquet_are_the_same_rows_and_are_audited(served):
    store, url, tokens, _ = served
    j = _get(f"{url}/v1/portfolio", headers=_h(tokens["viewer"]), params={"by": "plan_line"}).json()
    c = _get(f"{url}/v1/portfolio", headers=_h(tokens["viewer"], Accept="text/csv"), params={"by": "plan_line"})
    assert c.headers["content-type"].startswith("text/csv")
    csv = pl.read_csv(io.BytesIO(c.content), infer_schema=False)
    assert csv["budget"].to_list() == [r["budget"] for r in j["rows"]]
    p = _get(
        f"{url}/v1/portfolio",
        headers=_h(tokens["viewer"], Accept="application/vnd.apache.parquet"),
        params={"by": "plan_line"},
    )
    pq = pl.read_parquet(io.BytesIO(p.content))
    assert [f"{x:.4f}" for x in pq["budget"].to_list()] == [r["budget"] for r in j["rows"]]
    exports = store.audit.entries().filter((pl.col("action") == "export") & (pl.col("via") != "cli"))
    assert exports.height >= 2 and set(exports["user"]) == {"vera"}  # (the command line's exports are its own)


def test_401_and_403_are_kept_apart_and_refusals_audited(served, tmp_path):
    store, url, tokens, _ = served
    assert _get(f"{url}/v1/ranking").status_code == 401  # a real store: no anonymous reads
    bad = _get(f"{url}/v1/ranking", headers=_h("fct_00000000_nope"))
    assert bad.status_code == 401 and bad.headers["content-type"] == "application/problem+json"
    path = _q3(tmp_path / "q3", store)
    before = store.vintages().height
    r = _post(f"{url}/v1/ingest", headers=_h(tokens["viewer"]), files={"files": ("finance.csv", path.read_bytes())})
    assert r.status_code == 403 and r.json()["type"].endswith("forbidden")
    assert store.vintages().height == before
    refused = store.audit.entries().filter((pl.col("action") == "ingest") & (pl.col("outcome") == "denied"))
    assert "vera" in refused["user"].to_list()  # recorded by api.permit, as the CLI's and the app's refusals
    assert _post(f"{url}/v1/models/v9999/activate", headers=_h(tokens["analyst"]), json={}).status_code == 403


def test_a_bad_file_gives_located_problems_and_stores_nothing(served, tmp_path):
    store, url, tokens, _ = served
    path = _q3(tmp_path / "bad", store)
    text = path.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace("2026-06-30", "2026-13-45")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    before = store.vintages().height
    r = _post(f"{url}/v1/ingest", headers=_h(tokens["analyst"]), files={"files": ("finance.csv", path.read_bytes())})
    assert r.status_code == 422
    body = r.json()
    assert body["detail"].endswith("nothing was stored.")
    p = next(x for x in body["problems"] if x["severity"] == "error")
    assert (p["file"], p["row"], p["column"], p["value"]) == ("finance.csv", 2, "as_of", "2026-13-45")
    assert p["message_en"] and p["message_th"] and p["message_th"] != p["message_en"]
    assert store.vintages().height == before
    v = _post(f"{url}/v1/validate", headers=_h(tokens["analyst"]), files={"files": ("finance.csv", path.read_bytes())})
    assert v.status_code == 422 and v.json()["errors"] >= 1


def test_ingest_is_idempotent_on_the_clients_key(served, tmp_path):
    store, url, tokens, _ = served
    path = _q3(tmp_path / "q3", store, disbursed=2.0)
    files = {"files": ("finance.csv", path.read_bytes())}
    key = {"Idempotency-Key": "erp-2026-q3-1"}
    first = _post(f"{url}/v1/ingest", headers=_h(tokens["analyst"], **key), files=files)
    assert first.status_code == 201, first.text
    again = _post(f"{url}/v1/ingest", headers=_h(tokens["analyst"], **key), files=files)
    assert again.status_code == 200 and again.json()["replayed"] and again.json()["vintage"] == first.json()["vintage"]
    assert store.vintages().height == first.json()["vintage"]
    other = _q3(tmp_path / "other", store, disbursed=3.0)
    reused = _post(
        f"{url}/v1/ingest", headers=_h(tokens["analyst"], **key), files={"files": ("finance.csv", other.read_bytes())}
    )
    assert reused.status_code == 422
    entry = store.audit.entries().filter(pl.col("action") == "ingest").row(-1, named=True)
    assert entry["user"] == "anan" and entry["via"] == "api" and "127.0.0.1" in entry["where"]


def test_readers_during_an_ingest_see_one_vintage_or_the_next(served, tmp_path):
    store, url, tokens, _ = served
    old = _get(f"{url}/v1/projections", headers=_h(tokens["viewer"])).json()["rows"]
    path = _q3(tmp_path / "q3b", store, disbursed=4.0)
    answers: list = []

    def read() -> None:
        with httpx.Client(headers=_h(tokens["viewer"]), timeout=60) as c:
            for _ in range(6):
                answers.append(c.get(f"{url}/v1/projections").json()["rows"])

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    r = _post(
        f"{url}/v1/ingest",
        headers=_h(tokens["analyst"]),
        files={"files": ("finance.csv", path.read_bytes())},
        timeout=60,
    )
    for t in readers:
        t.join()
    assert r.status_code == 201
    new = _get(f"{url}/v1/projections", headers=_h(tokens["viewer"])).json()["rows"]
    assert new != old and all(a in (old, new) for a in answers)


def test_targets_then_a_training_job_and_a_second_one_refused(served):
    store, url, tokens, _ = served
    r = _post(f"{url}/v1/targets", headers=_h(tokens["analyst"]), json={"fiscal_year": 2569, "year_end": 0.9})
    assert r.status_code == 201
    assert api.rank(store).height == 9 and store.read("targets")[s.YEAR_END].to_list() == [0.9]
    job = _post(f"{url}/v1/train", headers=_h(tokens["analyst"]))  # the store holds no complete year
    assert job.status_code == 202
    second = _post(f"{url}/v1/train", headers=_h(tokens["analyst"]))
    status = _get(f"{url}{job.json()['href']}", headers=_h(tokens["analyst"])).json()
    assert second.status_code == 409 or status["state"] != "running"
    deadline = time.monotonic() + 60
    while status["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = _get(f"{url}{job.json()['href']}", headers=_h(tokens["analyst"])).json()
    assert status["state"] == "failed" and "complete fiscal years" in status["error"]
    assert _get(f"{url}/v1/jobs/nope", headers=_h(tokens["analyst"])).status_code == 404


def test_bodies_are_capped_and_errors_carry_no_traceback(served):
    _, url, tokens, _ = served
    big = _post(
        f"{url}/v1/validate", headers=_h(tokens["analyst"]), files={"files": ("finance.csv", b"x" * (3 * 1024 * 1024))}
    )
    assert big.status_code == 413 and big.json()["status"] == 413
    r = _get(f"{url}/v1/ranking", headers=_h(tokens["viewer"]), params={"as_of": "not a date"})
    assert r.status_code == 400 and "Traceback" not in r.text and r.json()["title"]


def test_failed_authentication_is_rate_limited(tmp_path):
    store = Store.create(tmp_path / "st", from_reference=True)
    with running(create_app(store)) as url:
        codes = [_get(f"{url}/v1/ranking", headers=_h(f"fct_deadbeef_{i}")).status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[-1] == 429


def test_tokens_expire_revoke_and_follow_the_users_role(tmp_path):
    store = Store.create(tmp_path / "st", from_reference=True)
    store.users.add("pat", "viewer", PASSWORD)
    tokens = Tokens(store.access_dir, store.users)
    tid, token = tokens.issue("pat", 1)
    assert tokens.verify(token)[1:] == ("pat", "viewer")
    assert "sha256" in tokens._read()[tid] and token not in (store.access_dir / "tokens.json").read_text()
    store.users.set_role("pat", "analyst")
    assert tokens.verify(token)[2] == "analyst"
    tokens.revoke(tid)
    with pytest.raises(Exception, match="not valid"):
        tokens.verify(token)
    store.users.disable("pat")
    with pytest.raises(Exception, match="not valid"):
        tokens.verify(token)


def test_the_reference_data_is_readable_without_a_token_on_loopback(reference):
    with running(create_app(reference, public_reads=True)) as url:
        assert _get(f"{url}/v1/ranking").status_code == 200
        assert _post(f"{url}/v1/train").status_code == 401  # writes always need a token
    with running(create_app(reference, public_reads=False)) as url:
        assert _get(f"{url}/v1/ranking").status_code == 401


@contextlib.contextmanager
def identity_provider():
    """An OpenID provider on loopback: its discovery document and its keys (JWKS); yields (issuer, sign)."""
    import http.server

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    docs = {
        "/.well-known/openid-configuration": {"issuer": issuer, "jwks_uri": f"{issuer}/jwks"},
        "/jwks": {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]},
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(docs.get(self.path, {})).encode()
            self.send_response(200 if self.path in docs else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def sign(claims: dict, signer=key) -> str:
        now = int(time.time())
        return jwt.encode(
            {"iss": issuer, "aud": "forecast-app", "iat": now, "exp": now + 300, **claims},
            signer,
            algorithm="RS256",
            headers={"kid": "k1"},
        )

    try:
        yield issuer, sign
    finally:
        httpd.shutdown()


def test_the_identity_providers_bearer_tokens_map_groups_to_roles(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from forecast.access.oidc import Provider

    store = Store.create(tmp_path / "st", from_reference=True)
    with identity_provider() as (issuer, sign):
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(
            f'[auth]\nserver_metadata_url = "{issuer}/.well-known/openid-configuration"\nclient_id = "forecast-app"\n'
            '[forecast.roles]\nviewer = ["staff"]\nanalyst = ["budget-office"]\n',
            encoding="utf-8",
        )
        provider = Provider.from_secrets(secrets_file)
        with running(create_app(store, provider=provider)) as url:
            staff = sign({"email": "noi@agency.go.th", "groups": ["staff"]})
            assert _get(f"{url}/v1/ranking", headers=_h(staff)).status_code == 200
            assert _post(f"{url}/v1/train", headers=_h(staff)).status_code == 403  # a viewer may not
            nobody = sign({"email": "x@agency.go.th", "groups": ["visitors"]})
            assert _get(f"{url}/v1/ranking", headers=_h(nobody)).status_code == 401  # no mapped group
            forged = sign(
                {"email": "eve@agency.go.th", "groups": ["budget-office"]},
                rsa.generate_private_key(public_exponent=65537, key_size=2048),
            )
            assert _get(f"{url}/v1/ranking", headers=_h(forged)).status_code == 401  # not the provider's key
            expired = sign({"email": "noi@agency.go.th", "groups": ["staff"], "exp": int(time.time()) - 60})
            assert _get(f"{url}/v1/ranking", headers=_h(expired)).status_code == 401
    refused = store.audit.entries().filter(pl.col("action") == "api sign-in")
    assert refused.height >= 3 and set(refused["outcome"]) == {"refused"}
    assert "noi@agency.go.th" in store.audit.entries().filter(pl.col("action") == "train")["user"].to_list()
