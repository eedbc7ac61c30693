"""The local Dask cluster runs with our settings, not Dask's costly defaults, and leaves
this process's environment as it found it (``metrics.executors``, module docstring)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine

from metrics.executors import local_cluster
from metrics.recompute import recompute
from tests.test_recompute_incremental import assert_derived_kept, keep_derived
from tests.test_recompute_parallel import LAS, extracts, three_las  # noqa: F401 (fixtures)

pytest.importorskip("distributed", reason="the optional extra: pip install '.[distributed]'")


def _worker_settings() -> dict[str, object]:
    """What a worker process sees: its environment and the Dask settings we change."""
    import dask

    return {
        "malloc_trim": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "profile": dask.config.get("distributed.worker.profile.enabled"),
        "memory_monitor": dask.config.get("distributed.worker.memory.monitor-interval"),
        "pid": os.getpid(),
    }


@pytest.mark.slow  # two worker processes spawned: 10-40 s on this shared machine
def test_worker_processes_run_without_the_trim_threshold_and_the_profiler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Neither variable set by the caller: whatever the workers have, the nanny gave them.
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = dict(os.environ)
    with local_cluster(2) as client:
        seen = client.run(_worker_settings)
    assert len(seen) == 2
    for worker in seen.values():
        assert worker["pid"] != os.getpid()
        assert worker["malloc_trim"] is None
        # One thread per worker, as many workers as cores: kept from Dask's defaults.
        assert worker["omp"] == "1"
        assert worker["profile"] is False
        assert worker["memory_monitor"] == "1s"
    # The nanny wrote OMP_NUM_THREADS and the rest into this process's environment
    # before spawning; they are gone again.
    assert dict(os.environ) == before


def test_the_settings_are_dasks_own_again_after_the_cluster() -> None:
    import dask

    with local_cluster(1, processes=False) as client:
        assert client.run(_worker_settings)  # the one thread worker answers
    assert dask.config.get("distributed.worker.profile.enabled") is True
    assert "MALLOC_TRIM_THRESHOLD_" in dask.config.get("distributed.nanny.pre-spawn-environ")


@pytest.mark.slow  # two worker processes spawned
def test_worker_processes_of_the_configured_cluster_store_what_one_process_stores(
    three_las: Engine,  # noqa: F811 (the fixture imported above)
) -> None:
    recompute(three_las, full=True, jobs=1)
    keep_derived(three_las)
    summary = recompute(three_las, full=True, jobs=2, executor="dask")
    assert sorted(summary.las) == sorted(LAS)
    assert os.getpid() not in {d["pid"] for d in summary.details}
    assert_derived_kept(three_las)
