"""
Type raw frames from their pixels: read and pre-process each file (the reading pool of
:mod:`pypeit_spit.pipeline.reader`), run the network on every image and its three flips
(:func:`pypeit_spit.model.inference.infer`, the one inference path), and vote: one
:class:`~pypeit_spit.pipeline.verdict.FrameVerdict` per frame.
"""
from pypeit import log

from pypeit_spit import stop
from pypeit_spit.console import progress as console_progress
from pypeit_spit.console import scrub
from pypeit_spit.defaults import DEFAULTS
from pypeit_spit.io.loaded import size_limit
from pypeit_spit.io.paths import expand_entries
from pypeit_spit.io.spectrograph import get_spectrograph
from pypeit_spit.model.inference import concatenate
from pypeit_spit.model.store import get_model
from pypeit_spit.pipeline.reader import Reader, check_arguments, infer_one, prepare_one
from pypeit_spit.pipeline.verdict import FrameVerdict
from pypeit_spit.preprocess.quality import not_a_bias
from pypeit_spit.vocab import UNKNOWN

__all__ = ['READ_BATCH', 'READ_AHEAD', 'classify_files']

#: Frames read and pre-processed together before the network runs on them (the spec's
#: ``batch_size``).
READ_BATCH = DEFAULTS.batch_size

#: Batches read ahead of the one the network runs on (their 210x650 images wait in
#: memory: 0.14 MB a frame).
READ_AHEAD = 2


def classify_files(paths, spectrograph=None, model=None, batch_size=READ_BATCH, threshold=None,
                   progress=False, det=1, workers=2, max_pixels=None, on_prepared=None,
                   prefetch=None, processes=False, extract=None,
                   bias_noise_factor=DEFAULTS.bias_noise_factor,
                   model_budget=DEFAULTS.model_budget):
    """
    Type raw frames from their pixels.

    Frames are read and pre-processed ``batch_size`` at a time (by ``workers``
    processes or threads, :data:`READ_AHEAD` batches ahead of the network), and each
    is sent through the network as it comes (with its three flips;
    :data:`pypeit_spit.model.inference.DEFAULT_BATCH_SIZE` frames per call), so a
    whole night is never held in memory. A frame that cannot be read or
    pre-processed gets answer ``unknown`` and a one-line reason in its ``error``; a
    frame whose pixels are no calibration at all (dead, constant, saturated) gets
    answer ``unknown`` and the reason in its ``flag``; the others are still
    classified. A frame SPIT votes bias whose pixel noise is ``bias_noise_factor``
    times its detector's read noise or more is no bias
    (:func:`pypeit_spit.preprocess.quality.not_a_bias`): the reason in its ``qa``, and
    bias is not its answer. Every path given keeps a verdict: a missing file, a broken symbolic
    link, an empty folder.

    Parameters
    ----------
    paths : str, `pathlib.Path` or sequence
        Files and/or folders (folders are expanded into their FITS files).
    spectrograph : str, Spectrograph or None, optional
        PypeIt spectrograph used to read the pixels; None reads the first 2-D HDU.
        A file PypeIt's reader refuses is read by the generic loader, and its
        ``loader`` says so.
    model : str, `pathlib.Path`, SpitModel or None, optional
        Model name, path, or loaded model; None is the bundled default.
    batch_size : int, optional
        Frames read and pre-processed together (at least 1).
    threshold : float or None, optional
        Least mean probability of the winning class, replacing the model's own
        (per-class) cut; None keeps the model's; 0 takes every 3-of-4 vote winner.
    progress : bool, optional
        Show a progress bar on stderr (tqdm; only on a terminal, for 6 files or
        more).
    det : int, optional
        Detector read by the PypeIt loader.
    workers : int, optional
        Processes (or threads) that read and pre-process frames.
    max_pixels : int or None, optional
        Size limit: larger frames are read binned
        (:func:`pypeit_spit.io.loaded.size_limit`; default
        :data:`pypeit_spit.io.loaded.DEFAULT_MAX_PIXELS`).
    on_prepared : callable or None, optional
        Called as ``on_prepared(index, prepared)`` with each frame's
        :class:`~pypeit_spit.pipeline.prepare.Prepared` (e.g. to draw it), in this
        thread, batch by batch.
    prefetch : `~pypeit_spit.pipeline.reader.Prefetch` or None, optional
        Frames already being read in the background; those it
        holds for the same spectrograph, detector and size limit are taken from it
        (with the network's output when it ran the same model), the others are read
        here. The result is the same either way.
    processes : bool, optional
        Read frames in forked worker processes (where :data:`~pypeit_spit.pipeline.reader.PROCESSES_AVAILABLE`,
        for at least :data:`~pypeit_spit.pipeline.reader.MIN_FRAMES_FOR_PROCESSES` frames) instead of threads:
        faster with more ``workers``, for a caller that owns its process (a command;
        not a notebook or PypeIt's own process). The result is the same either way.
    extract : callable or None, optional
        With a spectrograph: ``extract(spectrograph, headers)`` of each frame PypeIt's
        reader read, from the headers it parsed (e.g. PypeIt's header metadata,
        :func:`pypeit_spit.integration.rules.header_metadata`), in the reader; it
        becomes the frame's :attr:`~pypeit_spit.pipeline.verdict.FrameVerdict.extra` (and ``metadata`` of its
        :class:`~pypeit_spit.pipeline.prepare.Prepared`); None for a frame it did not
        read, or read ahead.
    bias_noise_factor : float, optional
        How many times the detector's read noise a bias's pixel noise may be (the
        spec's ``bias_noise_factor``).
    model_budget : float, optional
        Seconds the model's first run may take when it is loaded
        (:func:`pypeit_spit.model.store.get_model`; the spec's ``model_budget``).

    Returns
    -------
    list of FrameVerdict
        One per path given, in input order (a folder: one per FITS file it holds, or
        one with the reason it gives none); :func:`~pypeit_spit.pipeline.verdict.to_table`
        makes the table of them.

    Raises
    ------
    pypeit_spit.errors.UsageError
        An unknown spectrograph name or an invalid argument (the whole call is
        wrong, not one frame).
    pypeit_spit.errors.ModelError
        No usable model.
    """
    check_arguments(batch_size, threshold, det, workers)
    max_pixels = size_limit(max_pixels)
    entries = expand_entries(paths)
    files = [path for path, _ in entries]
    spit_model = get_model(model, model_budget=model_budget)
    spectrograph = get_spectrograph(spectrograph) if spectrograph is not None else None
    verdicts = [None] * len(files)
    bar = console_progress(len(files), progress)

    def ahead(i):
        return prefetch is not None and prefetch.holds(files[i], spectrograph, det, max_pixels)

    to_read = [i for i in range(len(files)) if entries[i][1] is None and not ahead(i)]
    reader = Reader(workers, processes, len(to_read)) if to_read else None
    reading = set(to_read)
    extract = extract if spectrograph is not None else None

    def submit(batch):
        return {i: reader.submit(files[i], spectrograph, det, max_pixels, extract)
                for i in batch if i in reading}

    def collect(i, handles):
        """``(Prepared, reason, Inference or None)`` of frame ``i``."""
        if entries[i][1] is not None:
            return None, entries[i][1], None
        done = None
        if i in handles:
            done = reader.result(handles[i]) + (None,)
        elif prefetch is not None:
            done = prefetch.take(files[i], spectrograph, det, max_pixels, model=spit_model,
                                 need_image=on_prepared is not None)
        if done is None:       # not read ahead after all (stopped, or its image not kept)
            done = prepare_one(files[i], spectrograph, det, max_pixels, extract) + (None,)
        prep = done[0]
        if prep is not None:
            prep.path = files[i]
            if on_prepared is not None:
                on_prepared(i, prep)
        return done

    # Processes (or threads) read and pre-process READ_AHEAD batches ahead of the one
    # the network runs on (frame by frame, as each comes), so that neither waits for
    # the other.
    batches = [range(start, min(start + batch_size, len(files)))
               for start in range(0, len(files), batch_size)]
    try:
        pending = [submit(batch) for batch in batches[:1 + READ_AHEAD]]
        for k, batch in enumerate(batches):
            current = pending.pop(0)
            if k + 1 + READ_AHEAD < len(batches):
                pending.append(submit(batches[k + 1 + READ_AHEAD]))
            idx, nets, preps = [], [], []
            for i in batch:
                prep, error, net = collect(i, current)
                if error is not None:
                    verdicts[i] = FrameVerdict(files[i], error=scrub(error))
                    log.warning(f'{files[i]}: cannot classify: {error}')
                    continue
                if prep.flag:
                    verdicts[i] = FrameVerdict(files[i], loader=prep.loader, flag=prep.flag,
                                               extra=prep.metadata)
                    log.warning(f'{files[i]}: {prep.flag}')
                    continue
                idx.append(i)
                preps.append(prep)
                nets.append(net if net is not None else infer_one(spit_model, prep))
            _verdicts_of_batch(verdicts, idx, preps, nets, spit_model, threshold,
                               bias_noise_factor)
            bar.update(len(batch))
            stop.check()   # a signal caught by a library's bare except ends the typing
    finally:
        if reader is not None:
            reader.close()
    bar.close()
    return verdicts


def _verdicts_of_batch(verdicts, idx, preps, nets, spit_model, threshold, bias_noise_factor):
    """The verdicts of the frames ``idx`` of one batch, from the network's output on
    each of them (:func:`~pypeit_spit.pipeline.reader.infer_one`)."""
    if not idx:
        return
    result = concatenate(nets)
    pred = result.decide(threshold)
    prob = result.answer_probs(pred)
    classes = spit_model.classes
    for j, (i, prep) in enumerate(zip(idx, preps)):
        voted = classes[result.winner[j]]
        answer = UNKNOWN if pred[j] < 0 else classes[pred[j]]
        qa = not_a_bias(prep.noise, prep.detector_noise, bias_noise_factor) \
            if voted == 'bias' else ''
        if qa:
            log.warning(f'{prep.path}: SPIT votes bias, but {qa}')
        verdicts[i] = FrameVerdict(
            prep.path, loader=prep.loader,
            probs={c: float(result.probs[j, k]) for k, c in enumerate(classes)},
            votes=int(result.votes[j]), voted=voted,
            answer=UNKNOWN if qa and answer == 'bias' else answer, prob=float(prob[j]),
            extra=prep.metadata, qa=qa)
