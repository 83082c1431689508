"""The local engine: ordered results, identical for any worker count, bounded in-flight work."""

from hardgen.core.engine import map_ordered


def _square(x):
    return x * x


def test_map_ordered_same_results_any_workers():
    assert list(map_ordered(_square, range(50), workers=1)) == list(map_ordered(_square, range(50), workers=2))


def test_map_ordered_consumes_input_lazily():
    pulled = []

    def tasks():
        for i in range(1000):
            pulled.append(i)
            yield i

    it = map_ordered(_square, tasks(), workers=2, window=4)
    assert next(it) == 0
    assert len(pulled) <= 5  # a bounded window, not the whole input
    assert sum(1 for _ in it) == 999
