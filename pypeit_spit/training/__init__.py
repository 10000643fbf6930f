"""
Training and evaluation: labelled frames -> cached pre-processed arrays
(:mod:`~.dataset`), layout augmentation (:mod:`~.augment`), the training loop
(:mod:`~.train`) and the paper's figures of merit (:mod:`~.evaluate`). Networks are
run only through :func:`pypeit_spit.model.inference.infer`.
"""
