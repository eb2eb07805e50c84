"""Named random streams: common random numbers without global state.

One root seed identifies an experiment. Replication ``r`` uses the
``numpy.random.SeedSequence`` child with spawn key ``(r,)``; inside it, every
stochastic source (arrivals, service effort, defects, project sizes, ...) has its
own stream whose key is derived from the source's *name*, not from the order
streams are created in. Two scenarios that differ only in a lever therefore see
the same arrivals, and adding a new source never shifts an existing one.

Draws are buffered: a stream fills a block of variates with one vectorised call
and hands them out one at a time, which is much faster than a NumPy call per
draw and gives the same sequence whatever the block size boundary falls on.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Iterator

import numpy as np

BLOCK = 4096


def replication_seed(root_seed: int, replication: int) -> np.random.SeedSequence:
    """Return the seed sequence of one replication.

    Parameters
    ----------
    root_seed
        The experiment's root seed.
    replication
        Replication index, from 0.

    Returns
    -------
    numpy.random.SeedSequence
        Equal to ``SeedSequence(root_seed).spawn(replication + 1)[replication]``.
    """
    if replication < 0:
        raise ValueError(f"replication={replication} must be >= 0")
    return np.random.SeedSequence(root_seed, spawn_key=(replication,))


def stream_seed(parent: np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """Return the seed sequence of the stream called ``name`` inside ``parent``."""
    return np.random.SeedSequence(parent.entropy,
                                  spawn_key=(*parent.spawn_key, zlib.crc32(name.encode())))


class Streams:
    """The named random streams of one replication.

    Parameters
    ----------
    seed
        The replication's seed sequence (see :func:`replication_seed`).
    """

    def __init__(self, seed: np.random.SeedSequence):
        self._seed = seed
        self._generators: dict[str, np.random.Generator] = {}

    def generator(self, name: str) -> np.random.Generator:
        """Return the generator of stream ``name``, creating it on first use."""
        gen = self._generators.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(stream_seed(self._seed, name)))
            self._generators[name] = gen
        return gen

    def exponential(self, name: str) -> Iterator[float]:
        """Return an endless iterator of unit-mean exponential variates."""
        return buffered(self.generator(name).standard_exponential)

    def uniform(self, name: str) -> Iterator[float]:
        """Return an endless iterator of uniform variates on [0, 1)."""
        return buffered(self.generator(name).random)

    def uniform_blocks(self, name: str) -> Blocks:
        """Return the uniform variates on [0, 1) of stream ``name``, taken as arrays."""
        return Blocks(self.generator(name).random)

    def normal(self, name: str) -> Iterator[float]:
        """Return an endless iterator of standard normal variates."""
        return buffered(self.generator(name).standard_normal)


def buffered(draw: Callable[[int], np.ndarray]) -> Iterator[float]:
    """Hand out variates one by one from blocks drawn in a single call.

    Parameters
    ----------
    draw
        A function ``draw(size) -> ndarray`` of i.i.d. variates.

    Returns
    -------
    Iterator[float]
        An endless iterator; ``next(it)`` is the cheapest way to take one value.
    """
    # chain.from_iterable over an endless callable iterator keeps every next()
    # in C except the refill, once per block.
    return itertools.chain.from_iterable(iter(lambda: draw(BLOCK).tolist(), None))


class Blocks:
    """Variates handed out as arrays of any length, in the order :func:`buffered` gives them.

    Parameters
    ----------
    draw
        A function ``draw(size) -> ndarray`` of i.i.d. variates, called for
        :data:`BLOCK` at a time.
    """

    def __init__(self, draw: Callable[[int], np.ndarray]):
        self._draw = draw
        self._block = np.empty(0)
        self._used = 0

    def take(self, count: int) -> np.ndarray:
        """The next ``count`` variates (a read-only view)."""
        if self._used + count > self._block.size:
            rest = self._block[self._used:]
            blocks = -(-(count - rest.size) // BLOCK)
            self._block = np.concatenate([rest, *(self._draw(BLOCK) for _ in range(blocks))])
            self._block.flags.writeable = False
            self._used = 0
        out = self._block[self._used:self._used + count]
        self._used += count
        return out
