"""The loader pauses Python's cyclic garbage collector while it runs (issue 17) and
always puts it back as it was: after a load, after a failed load, and when the
caller had it off."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from trafficking_routes.routes_plugin.core import loader
from trafficking_routes.routes_plugin.core.readers import ReadError

SAMPLE = Path(__file__).resolve().parents[2] / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"


def test_paused_during_the_load_and_back_after(monkeypatch):
    seen = []
    real = loader.build_layers

    def spy(journeys):
        seen.append(gc.isenabled())
        return real(journeys)

    monkeypatch.setattr(loader, "build_layers", spy)
    assert gc.isenabled()
    loader.load_export(SAMPLE)
    assert seen and not any(seen)
    assert gc.isenabled()


def test_back_after_a_failed_load(tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    with pytest.raises(ReadError):
        loader.load_export(bad)
    assert gc.isenabled()


def test_left_off_when_it_was_off():
    gc.disable()
    try:
        with loader.cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
