"""Retrieval benchmarks; writes bench/out/retrieval_bench.md.

1. Warm search latency end to end through the HTTP API on the demo corpus (uvicorn on a free
   port, one query at a time, after a warm-up), p50/p95, and the API's resident memory.
2. Vector search at scale: synthetic 384-d vectors (clustered like text embeddings), exact
   (flat) against HNSW and IVF: per-query latency p50/p95 and recall@10 against exact search.
3. Index build throughput (chunks/s, embedding included) on the English manuals.

    .venv/bin/python -m retrieval build      # the demo index first
    .venv/bin/python bench/retrieval_bench.py [--vectors 200000] [--queries 250]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import get_settings  # noqa: E402
from retrieval.dense_index import AnnParams, DenseIndex  # noqa: E402
from retrieval.encoder import get_encoder  # noqa: E402
from retrieval.store import build_index  # noqa: E402

OUT = ROOT / "bench" / "out" / "retrieval_bench.md"
QUERIES = ROOT / "bench" / "data" / "retrieval_queries.yml"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples_ms, 50)), float(np.percentile(samples_ms, 95))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def api_latency(index_dir: Path, n: int) -> dict[str, float]:
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["queries"]
    port = free_port()
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=120) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get(f"{url}/openapi.json").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("API did not start: " + server.stderr.read().decode()[-2000:]
                                       if server.stderr else "API did not start")
                time.sleep(0.3)
            started = time.perf_counter()
            first = client.post(f"{url}/api/v1/search", json={"query": "warm up"})
            first.raise_for_status()
            cold_s = time.perf_counter() - started
            for q in queries[:20]:  # warm-up
                client.post(f"{url}/api/v1/search", json={"query": q["q"]})
            samples = []
            for i in range(n):
                q = queries[i % len(queries)]
                body = {"query": q["q"], "language": q["lang"], "k": 5}
                t0 = time.perf_counter()
                response = client.post(f"{url}/api/v1/search", json=body)
                samples.append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
            p50, p95 = percentiles(samples)
            return {"n": n, "p50": p50, "p95": p95, "first_query_s": cold_s,
                    "rss_mb": rss_mb(server.pid)}
    finally:
        server.terminate()
        server.wait(timeout=30)


def synthetic(n: int, dim: int, clusters: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    data = centres[rng.integers(0, clusters, n)] * 0.6 + rng.standard_normal(
        (n, dim)).astype(np.float32)
    return data / np.linalg.norm(data, axis=1, keepdims=True)


def vector_scale(n: int, n_queries: int) -> tuple[list[dict[str, float | str]], float]:
    dim = 384
    data = synthetic(n, dim, clusters=2000, seed=7)
    rng = np.random.default_rng(8)
    queries = data[rng.integers(0, n, n_queries)] + rng.standard_normal(
        (n_queries, dim)).astype(np.float32) * 0.05
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    results: list[dict[str, float | str]] = []
    truth: np.ndarray | None = None
    built: dict[str, tuple[DenseIndex, float]] = {}
    configs = [("flat (exact)", "flat", AnnParams()),
               ("HNSW M=32 efSearch=64", "hnsw", AnnParams(hnsw_ef_search=64)),
               ("HNSW M=32 efSearch=128", "hnsw", AnnParams(hnsw_ef_search=128)),
               ("IVF nlist=1024 nprobe=32", "ivf", AnnParams(ivf_nlist=1024, ivf_nprobe=32))]
    for label, kind, params in configs:
        if kind not in built:  # one HNSW graph; efSearch is a search-time setting
            t0 = time.perf_counter()
            built[kind] = (DenseIndex.build(data, kind, params), time.perf_counter() - t0)
        index, build_s = built[kind]
        index = DenseIndex(index.index, index.kind, params)
        index.search(queries[:10], 10)  # warm
        samples, found = [], []
        for q in queries:
            t1 = time.perf_counter()
            _, ids = index.search(q, 10)
            samples.append((time.perf_counter() - t1) * 1000)
            found.append(ids[0])
        p50, p95 = percentiles(samples)
        if truth is None:
            truth = np.array(found)
        recall = float(np.mean([len(set(t) & set(f)) / 10
                                for t, f in zip(truth, found, strict=True)]))
        results.append({"index": label, "build_s": build_s, "p50": p50, "p95": p95,
                        "recall": recall})
        print(f"  {label}: build {build_s:.1f} s, p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
              f"recall@10 {recall:.3f}", flush=True)
    return results, rss_mb(os.getpid())


def build_throughput(corpus: Path) -> dict[str, float]:
    encoder = get_encoder(get_settings().embedding_model)
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / "corpus"
        shutil.copytree(corpus / "en", sub / "en")
        report = build_index(sub, Path(tmp) / "index", encoder, incremental=False,
                             glossary_path=get_settings().glossary_path)
    return {"chunks": report.chunks, "seconds": report.seconds,
            "chunks_per_s": report.chunks / report.seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--vectors", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=250)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args(argv)
    settings = get_settings()
    index_dir = args.index or settings.index_dir
    lines = ["# Retrieval benchmarks", "",
             f"Machine: {os.cpu_count()} CPUs (shared; figures are one run, see BENCHMARKS.md)."]

    print("API latency ...", flush=True)
    api = api_latency(index_dir, args.queries)
    lines += ["", "## Warm search through the HTTP API (demo corpus)", "",
              "| queries | p50 ms | p95 ms | first query (model load) s | API resident memory MB |",
              "|---|---|---|---|---|",
              f"| {api['n']:.0f} | {api['p50']:.1f} | {api['p95']:.1f} | "
              f"{api['first_query_s']:.1f} | {api['rss_mb']:.0f} |"]
    print(lines[-1], flush=True)

    print(f"vector search on {args.vectors} synthetic vectors ...", flush=True)
    before = rss_mb(os.getpid())
    scale, peak = vector_scale(args.vectors, 200)
    lines += ["", f"## Vector search, {args.vectors:,} synthetic 384-d vectors, 200 queries, "
              "one at a time", "",
              "| index | build s | p50 ms | p95 ms | recall@10 vs flat |", "|---|---|---|---|---|"]
    for row in scale:
        lines.append(f"| {row['index']} | {row['build_s']:.1f} | {row['p50']:.2f} | "
                     f"{row['p95']:.2f} | {row['recall']:.3f} |")
    lines.append(f"\nBench process resident memory: {before:.0f} MB before, {peak:.0f} MB "
                 "with the vectors, the flat, HNSW and IVF indexes in memory.")

    if not args.skip_build:
        print("build throughput ...", flush=True)
        build = build_throughput(settings.docs_dir)
        lines += ["", "## Index build (English manuals, embedding included)", "",
                  "| chunks | seconds | chunks/s |", "|---|---|---|",
                  f"| {build['chunks']:.0f} | {build['seconds']:.1f} | "
                  f"{build['chunks_per_s']:.1f} |"]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
