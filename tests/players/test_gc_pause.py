import gc
import weakref

import pytest

from engine.players.gc_pause import GEN0, relaxed_gc


class _Cyclic:
    pass


def test_threshold_raised_inside_and_restored_after():
    before = gc.get_threshold()
    with relaxed_gc():
        assert gc.get_threshold() == (max(GEN0, before[0]),) + before[1:]
    assert gc.get_threshold() == before


def test_restored_after_an_exception_and_when_nested():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        with relaxed_gc(20_000):
            with relaxed_gc(30_000):
                assert gc.get_threshold()[0] == max(30_000, before[0])
            assert gc.get_threshold()[0] == max(20_000, before[0])
            raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_the_collector_still_frees_cycles_inside():
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        with relaxed_gc(2_000):
            a = _Cyclic()
            a.self = a
            ref = weakref.ref(a)
            del a
            junk = []
            for _ in range(50):  # well past the threshold: automatic collections happen
                junk = [[] for _ in range(1_000)]
            del junk
            assert ref() is None
    finally:
        if not was_enabled:
            gc.disable()


def test_bad_threshold_is_an_error():
    with pytest.raises(ValueError, match="gen0"):
        with relaxed_gc(0):
            pass
