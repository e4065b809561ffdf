"""The standard train / validation / test split of a corpus, by package.

The rule (docs/datasets.md): a package's split depends on its name and the
split seed only — ``u``, the first 8 bytes of sha256(``DATASET/SEED/PACKAGE``)
read as a big-endian integer over 2**64, puts it in ``train`` when
``u < 0.8``, ``validation`` when ``u < 0.9``, else ``test``. So everyone with
the same seed puts the same package in the same split, whatever else their
package list holds, and all of a package's units are in one split. A unit
that several packages contain (a vendored library) belongs to the first of
them by name, and only to that package's split, so no two splits share a unit.
"""

from __future__ import annotations

import hashlib
from typing import Tuple

__all__ = ["DEFAULT_SPLIT_SEED", "SPLITS", "package_split"]

DEFAULT_SPLIT_SEED = 0
#: (split, upper bound of u) in order.
SPLITS: Tuple[Tuple[str, float], ...] = (("train", 0.8), ("validation", 0.9), ("test", 1.0))


def package_split(dataset: str, package: str, seed: int = DEFAULT_SPLIT_SEED) -> str:
    digest = hashlib.sha256(("%s/%d/%s" % (dataset, seed, package)).encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    for split, bound in SPLITS:
        if u < bound:
            return split
    return SPLITS[-1][0]
