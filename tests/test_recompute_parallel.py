"""A full recompute gives the same rows in one process, in worker processes and on Dask."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from loaders.pipeline import LoadOptions, load_paths
from metrics.executors import ExecutorError
from metrics.recompute import recompute
from store.engine import open_store
from synthetic.generator import generate
from tests.conftest import TEST_KEY
from tests.test_recompute_incremental import assert_derived_kept, keep_derived

LAS = ["394", "390", "391"]


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("extracts")
    generate(folder, children=200, years=1, start=date(2023, 4, 1), las=LAS, seed=11)
    return folder


@pytest.fixture
def three_las(store_url: str, extracts: Path) -> Iterator[Engine]:
    engine = open_store(store_url)
    load_paths(engine, [extracts], LoadOptions(key=TEST_KEY))
    yield engine
    engine.dispose()


def test_worker_processes_store_what_one_process_stores(three_las: Engine) -> None:
    one = recompute(three_las, full=True, jobs=1)
    keep_derived(three_las)
    two = recompute(three_las, full=True, jobs=2)
    assert sorted(one.las) == sorted(two.las) == sorted(LAS)
    # The LAs ran in two worker processes, not this one.
    assert os.getpid() not in {d["pid"] for d in two.details}
    assert {d["pid"] for d in one.details} == {os.getpid()}
    assert_derived_kept(three_las)


def test_a_dask_cluster_of_two_workers_stores_what_one_process_stores(three_las: Engine) -> None:
    pytest.importorskip("distributed", reason="the optional extra: pip install '.[distributed]'")
    recompute(three_las, full=True, jobs=1)
    keep_derived(three_las)
    # processes=False: two thread workers of a local cluster (worker processes take
    # several seconds each to start on a busy machine; the task function is the same).
    summary = recompute(three_las, full=True, jobs=2, executor="dask", processes=False)
    assert sorted(summary.las) == sorted(LAS)
    assert_derived_kept(three_las)


def test_an_unknown_executor_is_refused(three_las: Engine) -> None:
    with pytest.raises(ExecutorError, match="use one of local, dask"):
        recompute(three_las, full=True, executor="spark")  # type: ignore[arg-type]
