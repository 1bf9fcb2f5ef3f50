"""Random streams and vectorised random identifiers.

Every commune and every source gets its own numpy Generator from one SeedSequence, keyed by the
commune id (not its position in the list) and the source name, so that adding a commune or a
source never changes the files of the others.
"""

from __future__ import annotations

import zlib

import numpy as np

SOURCE_STREAMS: tuple[str, ...] = (
    "catalogue",
    "people",
    "crm",
    "case_log",
    "appointments",
    "telephony",
    "portal",
    "agents",
)


def stream(seed: int, commune_id: str, source: str) -> np.random.Generator:
    """The generator of one (commune, source): same seed, commune and source -> same numbers."""
    commune_key = zlib.crc32(commune_id.encode("utf-8"))
    source_key = SOURCE_STREAMS.index(source)
    sequence = np.random.SeedSequence(seed, spawn_key=(commune_key, source_key))
    return np.random.Generator(np.random.PCG64(sequence))


def allocate_exact(rng: np.random.Generator, n: int, shares: np.ndarray) -> np.ndarray:
    """n category indices in random order whose counts are the shares rounded by largest remainder.

    Used where a published figure must come out right at any sample size (a multinomial draw
    would leave binomial noise of several points on small groups).
    """
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum()
    raw = shares * n
    counts = np.floor(raw).astype(np.int64)
    rest = n - int(counts.sum())
    if rest:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:rest]] += 1
    out = np.repeat(np.arange(len(shares)), counts)
    rng.shuffle(out)
    return out


def guids(rng: np.random.Generator, n: int) -> list[str]:
    """Random version-4 GUIDs, lower case, as Dataverse writes them."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return [
        f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}" for h in (text[i : i + 32] for i in range(0, 32 * n, 32))
    ]


def hex_tokens(rng: np.random.Generator, n: int, length: int = 32) -> list[str]:
    """Random lower-case hex strings (session ids and the like)."""
    size = (length + 1) // 2
    text = rng.bytes(size * n).hex()
    step = 2 * size
    return [text[i : i + length] for i in range(0, step * n, step)]


def zfill(values: np.ndarray, width: int) -> np.ndarray:
    """Integers as zero-padded strings ('7' -> '00007'); empty in, empty out."""
    values = np.asarray(values)
    if not len(values):
        return np.array([], dtype=f"<U{width}")
    return np.char.zfill(values.astype(str), width)


_ALNUM = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))


def alnum_codes(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """Random upper-case codes without the look-alike characters (0/O, 1/I)."""
    chars = _ALNUM[rng.integers(0, len(_ALNUM), size=(n, length))]
    return chars.view(f"<U{length}").reshape(n) if n else np.array([], dtype=f"<U{length}")
