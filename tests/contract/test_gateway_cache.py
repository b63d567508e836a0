"""The gateway's short cache of TRS readings: reused while fresh, and never left to grow."""

from __future__ import annotations

import time

from app.trs import gateway as gateway_module
from app.trs.gateway import TrsGateway


def test_a_fresh_reading_is_reused_and_a_stale_one_read_again(trs_client, sandbox_admin, clock):
    gateway = TrsGateway(trs_client(), clock, cache_seconds=0.2)
    first = gateway.read_person("1000001")
    assert gateway.read_person("1000001") is first
    time.sleep(0.25)
    assert gateway.read_person("1000001") is not first


def test_stale_readings_are_dropped_once_the_cache_is_full(
    trs_client, sandbox_admin, clock, monkeypatch
):
    monkeypatch.setattr(gateway_module, "CACHE_PRUNE_AT", 3)
    gateway = TrsGateway(trs_client(), clock, cache_seconds=0.1)
    for trn in ("1000001", "1000002", "1000003"):
        gateway.read_person(trn)
    time.sleep(0.15)
    gateway.read_person("1000004")
    assert set(gateway._cache) == {"1000004"}
