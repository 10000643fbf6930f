"""
Presentation only: the printed table (:mod:`~.table`), annotated PNGs of frames
(:mod:`~.png`) and the gallery of a night (:mod:`~.gallery`).
"""
