"""
Paths -> one :class:`~.verdict.FrameVerdict` per frame: read and pre-process each frame
(:mod:`~.prepare`, in the one reading pool of :mod:`~.reader`), run the network and
vote (:mod:`pypeit_spit.model`), in :func:`~.classify.classify_files`.
"""
