"""Corpora of real software built on this machine (``benchmark://debian-v0``):
building them (:mod:`.debian`, :mod:`.build`, :mod:`.apt`,
:mod:`.wrapper`), storing and indexing their units (:mod:`.index`), the
standard splits (:mod:`.splits`), using them as a dataset (:mod:`.dataset`)
and describing them (:mod:`.stats`). docs/datasets.md has the user's view.

Light on purpose: :mod:`optgym.benchmarks` imports :mod:`.index` to resolve
URIs, so nothing here imports the gym or numpy at import time.
"""
