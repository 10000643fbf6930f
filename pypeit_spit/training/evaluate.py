"""
Evaluation as in Jankov & Prochaska (2018), on any labelled set.

(a) **Normalized accuracy**: every frame is shown as the image and its three flips,
    each copy typed by the largest softmax output; the accuracy of each class over
    those copies is averaged over the classes (classes equalized).
(b) **Final scheme**: a frame gets the class that wins at least 3 of its 4 votes (and
    reaches the model's Unknown threshold), else Unknown; reported as % correct,
    % wrong and % Unknown.
(c) **Differential confusion matrix** (the paper's Figures 6 and 7): rows are the
    true classes, columns the predicted classes and Unknown, as fractions of each
    row, minus the perfect (identity) matrix, so that errors stand out.

Labels are integers (index into :data:`~pypeit_spit.vocab.CLASSES`); Unknown is
:data:`~pypeit_spit.vocab.UNKNOWN_INDEX`. The probabilities and decisions come from the
one inference path (:func:`pypeit_spit.model.inference.infer`), as for users. The maths
are pure functions; :func:`evaluate_frameset`, :func:`write_report` and
:func:`plot_confusion` do the I/O.
"""
import json
from pathlib import Path

import numpy as np
from astropy.table import Table
from pypeit import log

from pypeit_spit.model.inference import infer
from pypeit_spit.vocab import CLASSES, UNKNOWN, UNKNOWN_INDEX, as_indices

__all__ = ['normalized_accuracy', 'final_scheme', 'confusion', 'confusion_fractions',
           'differential_confusion', 'per_class_recall', 'evaluate_inference',
           'plot_confusion', 'write_report', 'evaluate_frameset', 'per_instrument']


def normalized_accuracy(probs4, labels, n_classes=len(CLASSES)):
    """
    The paper's normalized accuracy.

    Parameters
    ----------
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
        Class probabilities of each frame's copies (image and flips).
    labels : array_like of int, shape (n,)
        True classes.
    n_classes : int, optional

    Returns
    -------
    accuracy : float
        Mean over the classes present of the per-class accuracy (NaN when empty).
    per_class : `numpy.ndarray`, shape (n_classes,)
        Fraction of a class's copies typed as that class (NaN for absent classes).
    """
    probs4 = np.asarray(probs4, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if probs4.ndim == 2:
        probs4 = probs4[:, None, :]
    hit = probs4.argmax(axis=2) == labels[:, None]
    per_class = np.full(n_classes, np.nan)
    for c in range(n_classes):
        m = labels == c
        if m.any():
            per_class[c] = hit[m].mean()
    present = np.isfinite(per_class)
    acc = float(per_class[present].mean()) if present.any() else float('nan')
    return acc, per_class


def final_scheme(labels_pred, labels_true):
    """
    Fractions correct, wrong and Unknown of final (voted) decisions.

    Parameters
    ----------
    labels_pred : array_like of int or str
        Decisions; :data:`UNKNOWN_INDEX` or ``'unknown'`` for Unknown.
    labels_true : array_like of int or str

    Returns
    -------
    dict
        ``n``, ``n_correct``, ``n_wrong``, ``n_unknown`` and the fractions
        ``correct``, ``wrong``, ``unknown`` (NaN when empty).
    """
    pred = as_indices(labels_pred)
    true = as_indices(labels_true)
    if pred.shape != true.shape:
        raise ValueError(f'{pred.size} predictions for {true.size} labels')
    unknown = pred == UNKNOWN_INDEX
    correct = ~unknown & (pred == true)
    wrong = ~unknown & ~correct
    n = int(true.size)
    frac = (lambda k: float(k) / n) if n else (lambda k: float('nan'))
    return {'n': n, 'n_correct': int(correct.sum()), 'n_wrong': int(wrong.sum()),
            'n_unknown': int(unknown.sum()), 'correct': frac(correct.sum()),
            'wrong': frac(wrong.sum()), 'unknown': frac(unknown.sum())}


def confusion(labels_true, labels_pred, n_classes=len(CLASSES)):
    """
    Confusion counts with an Unknown column.

    Parameters
    ----------
    labels_true : array_like of int or str
    labels_pred : array_like of int or str
        :data:`UNKNOWN_INDEX` / ``'unknown'`` go to the last column.
    n_classes : int, optional

    Returns
    -------
    `numpy.ndarray` of int, shape (n_classes, n_classes + 1)
        Rows: true class; columns: predicted class, then Unknown.
    """
    true = as_indices(labels_true)
    pred = as_indices(labels_pred)
    col = np.where(pred == UNKNOWN_INDEX, n_classes, pred)
    counts = np.zeros((n_classes, n_classes + 1), dtype=int)
    np.add.at(counts, (true, col), 1)
    return counts


def confusion_fractions(counts):
    """
    Row-normalised confusion matrix (rows with no frames are NaN).

    Parameters
    ----------
    counts : `numpy.ndarray`, shape (k, k + 1)

    Returns
    -------
    `numpy.ndarray`
    """
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > 0, counts / total, np.nan)


def differential_confusion(fractions):
    """
    The paper's differential confusion matrix: fractions minus the perfect matrix.

    Parameters
    ----------
    fractions : `numpy.ndarray`, shape (k, k + 1)
        From :func:`confusion_fractions`.

    Returns
    -------
    `numpy.ndarray`
        Diagonal: minus the fraction of the class that was missed; elsewhere the
        fraction sent to that column.
    """
    fractions = np.asarray(fractions, dtype=float)
    k = fractions.shape[0]
    perfect = np.zeros_like(fractions)
    perfect[np.arange(k), np.arange(k)] = 1.0
    return fractions - perfect


def per_class_recall(counts):
    """
    Recall of each class: frames typed correctly / frames of the class.

    Parameters
    ----------
    counts : `numpy.ndarray`, shape (k, k + 1)

    Returns
    -------
    `numpy.ndarray`, shape (k,)
        NaN for absent classes.
    """
    counts = np.asarray(counts, dtype=float)
    k = counts.shape[0]
    total = counts.sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > 0, counts[np.arange(k), np.arange(k)] / total, np.nan)


def evaluate_inference(result, labels, threshold=None):
    """
    Every figure of merit of the network's answers on labelled frames.

    Parameters
    ----------
    result : `pypeit_spit.model.inference.Inference`
    labels : array_like of int
    threshold : float or None, optional
        Unknown cut replacing the model's own; None keeps the model's.

    Returns
    -------
    dict
        ``normalized_accuracy``, ``normalized_per_class``, ``final`` (from
        :func:`final_scheme`), ``counts``, ``fractions``, ``differential``,
        ``recall``, ``pred``, ``votes``, ``mean_probs``, ``cuts``.
    """
    labels = np.asarray(labels, dtype=int)
    k = result.probs4.shape[-1]
    norm, norm_pc = normalized_accuracy(result.probs4, labels, k)
    pred = result.decide(threshold)
    counts = confusion(labels, pred, k)
    frac = confusion_fractions(counts)
    cuts = result.cuts if threshold is None else np.full(k, float(threshold))
    return {'normalized_accuracy': norm, 'normalized_per_class': norm_pc,
            'final': final_scheme(pred, labels), 'counts': counts, 'fractions': frac,
            'differential': differential_confusion(frac), 'recall': per_class_recall(counts),
            'pred': pred, 'votes': result.votes, 'mean_probs': result.probs, 'cuts': cuts}


# -------------------------------------------------------------------------- I/O

def plot_confusion(differential, counts, path, classes=CLASSES, title=None):
    """
    Draw the differential confusion matrix (paper's Figs. 6-7 style) to a PNG.

    Parameters
    ----------
    differential : `numpy.ndarray`, shape (k, k + 1)
    counts : `numpy.ndarray`, shape (k, k + 1)
    path : str or `pathlib.Path`
    classes : sequence of str, optional
    title : str, optional
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure

    d = np.asarray(differential, dtype=float)
    k = d.shape[0]
    fig = Figure(figsize=(7.5, 5.5))
    ax = fig.subplots()
    im = ax.imshow(np.nan_to_num(d), cmap='RdBu', vmin=-1, vmax=1)
    fig.colorbar(im, ax=ax, label='fraction - perfect')
    for i in range(k):
        for j in range(k + 1):
            if np.isfinite(d[i, j]):
                ax.text(j, i, f'{d[i, j]:+.3f}\n({counts[i, j]})', ha='center', va='center',
                        fontsize=8, color='w' if abs(d[i, j]) > 0.6 else 'k')
            else:
                ax.text(j, i, '-', ha='center', va='center', fontsize=8)
    ax.set_xticks(range(k + 1), [*classes, UNKNOWN], rotation=30)
    ax.set_yticks(range(k), [f'{c} ({int(n)})' for c, n in zip(classes, counts.sum(axis=1))])
    ax.set_xlabel('predicted')
    ax.set_ylabel('true (frames)')
    ax.set_title(title or 'differential confusion matrix')
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def _fmt(x):
    return '-' if x is None or not np.isfinite(x) else f'{100 * x:.1f}%'


def write_report(result, files, labels, outdir, classes=CLASSES, title=None, failures=(),
                 model_name=None, cuts=None, temperature=None):
    """
    Write the evaluation into a folder.

    Files: ``predictions.ecsv`` (every frame), ``misclassified.ecsv`` (wrong and
    Unknown frames), ``confusion.ecsv`` (counts, fractions and differential),
    ``per_class.ecsv``, ``confusion.png``, ``failures.ecsv`` (frames that could not
    be read, if any), ``summary.json`` and ``summary.md``.

    Parameters
    ----------
    result : dict
        From :func:`evaluate_predictions`.
    files : sequence of str
    labels : array_like of int
    outdir : str or `pathlib.Path`
    classes : sequence of str, optional
    title : str, optional
    failures : sequence of (file, reason), optional
    model_name : str, optional
    cuts : array_like or None, optional
        Unknown cut of each class, recorded in the summary.
    temperature : float, optional
        Recorded in the summary.

    Returns
    -------
    dict
        The summary (also in ``summary.json``).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    labels = np.asarray(labels, dtype=int)
    names = np.array([*classes, UNKNOWN])
    pred = result['pred']
    mean = result['mean_probs']

    t = Table()
    t['file'] = np.asarray(files, dtype=str)
    t['true'] = names[labels]
    t['pred'] = names[pred]
    t['votes'] = result['votes']
    t['prob'] = mean[np.arange(len(labels)), np.where(pred >= 0, pred, mean.argmax(axis=1))] \
        if len(labels) else np.zeros(0)
    for i, c in enumerate(classes):
        t[f'prob_{c}'] = mean[:, i]
    t['status'] = np.where(pred == UNKNOWN_INDEX, 'unknown',
                           np.where(pred == labels, 'correct', 'wrong'))
    t.write(outdir / 'predictions.ecsv', format='ascii.ecsv', overwrite=True)
    t[t['status'] != 'correct'].write(outdir / 'misclassified.ecsv', format='ascii.ecsv',
                                      overwrite=True)

    cm = Table()
    cm['true'] = list(classes)
    cols = [*classes, UNKNOWN]
    for j, c in enumerate(cols):
        cm[f'n_{c}'] = result['counts'][:, j]
    for j, c in enumerate(cols):
        cm[f'frac_{c}'] = result['fractions'][:, j]
    for j, c in enumerate(cols):
        cm[f'diff_{c}'] = result['differential'][:, j]
    cm.write(outdir / 'confusion.ecsv', format='ascii.ecsv', overwrite=True)

    pc = Table()
    pc['class'] = list(classes)
    pc['n'] = result['counts'].sum(axis=1)
    pc['recall'] = result['recall']
    pc['normalized_accuracy'] = result['normalized_per_class']
    pc['unknown'] = result['fractions'][:, -1]
    pc.write(outdir / 'per_class.ecsv', format='ascii.ecsv', overwrite=True)
    plot_confusion(result['differential'], result['counts'], outdir / 'confusion.png',
                   classes, title=title)
    if len(failures):
        ft = Table(rows=list(failures), names=('file', 'reason'), dtype=(str, str))
        ft.write(outdir / 'failures.ecsv', format='ascii.ecsv', overwrite=True)

    fs = result['final']
    cut_map = {} if cuts is None else {c: float(v) for c, v in zip(classes, cuts)}
    summary = {'title': title, 'model': model_name, 'n_frames': int(len(labels)),
               'n_failed': len(failures), 'temperature': temperature, 'cuts': cut_map,
               'normalized_accuracy': result['normalized_accuracy'], 'final': fs,
               'recall': {c: float(r) for c, r in zip(classes, result['recall'])},
               'class_counts': {c: int(n) for c, n in zip(classes,
                                                          result['counts'].sum(axis=1))}}
    (outdir / 'summary.json').write_text(json.dumps(summary, indent=1, default=float))

    lines = [f'# {title or "Evaluation"}', '']
    if model_name:
        shown = ', '.join(f'{c} {v:.3f}' for c, v in cut_map.items()) if cut_map else '-'
        lines.append(f'Model: `{model_name}` (temperature {temperature}, Unknown cut: '
                     f'{shown})  ')
    lines += [f'Frames: {len(labels)} evaluated' + (f', {len(failures)} could not be read '
                                                    '(`failures.ecsv`)' if failures else ''),
              '',
              f'- Normalized accuracy (classes equalized, image + 3 flips): '
              f'**{_fmt(result["normalized_accuracy"])}**',
              f'- Final scheme (3 of 4 votes, else Unknown): **{_fmt(fs["correct"])} correct**, '
              f'{_fmt(fs["wrong"])} wrong, {_fmt(fs["unknown"])} Unknown '
              f'({fs["n_correct"]}/{fs["n_wrong"]}/{fs["n_unknown"]} frames)', '',
              '## Per class', '', '| class | frames | recall | normalized | Unknown |',
              '|---|---|---|---|---|']
    for c, n, r, na, u in zip(classes, pc['n'], pc['recall'], pc['normalized_accuracy'],
                              pc['unknown']):
        lines.append(f'| {c} | {n} | {_fmt(r)} | {_fmt(na)} | {_fmt(u)} |')
    lines += ['', '## Differential confusion matrix (rows true, columns predicted; fraction '
              'minus perfect)', '', '| true \\ pred | ' + ' | '.join(cols) + ' |',
              '|---' * (len(cols) + 1) + '|']
    for i, c in enumerate(classes):
        cells = ['-' if not np.isfinite(v) else f'{v:+.3f}' for v in result['differential'][i]]
        lines.append(f'| {c} | ' + ' | '.join(cells) + ' |')
    nbad = int(np.sum(t['status'] != 'correct'))
    lines += ['', f'Misclassified or Unknown frames: {nbad} (`misclassified.ecsv`); '
              'confusion matrix: `confusion.ecsv`, `confusion.png`.', '']
    (outdir / 'summary.md').write_text('\n'.join(lines))
    return summary


def per_instrument(result, frameset, threshold=None):
    """
    The final scheme per instrument and loader, by the plain 3-of-4 vote and at the
    model's cut (or ``threshold``).

    Parameters
    ----------
    result : `pypeit_spit.model.inference.Inference`
    frameset : `pypeit_spit.training.dataset.FrameSet`
    threshold : float or None, optional

    Returns
    -------
    `astropy.table.Table`
        ``instrument``, ``loader``, ``n``, ``vote_correct``, ``vote_wrong``,
        ``vote_unknown``, ``cut_correct``, ``cut_wrong``, ``cut_unknown`` (fractions).
    """
    loaders = np.where(np.asarray(frameset.spectrographs, dtype=str) != '', 'pypeit',
                       'generic')
    instruments = np.asarray(frameset.instruments, dtype=str)
    # the plain 3-of-4 vote (no cut, no guard) and the answer as users get it
    vote, cut = result.decide(0.0, guard=False), result.decide(threshold)
    rows = []
    for inst in sorted(set(instruments)):
        for loader in ('pypeit', 'generic'):
            m = (instruments == inst) & (loaders == loader)
            if not m.any():
                continue
            fv, fc = final_scheme(vote[m], frameset.labels[m]), final_scheme(cut[m],
                                                                             frameset.labels[m])
            rows.append((inst or '-', loader, int(m.sum()), fv['correct'], fv['wrong'],
                         fv['unknown'], fc['correct'], fc['wrong'], fc['unknown']))
    names = ('instrument', 'loader', 'n', 'vote_correct', 'vote_wrong', 'vote_unknown',
             'cut_correct', 'cut_wrong', 'cut_unknown')
    return Table(rows=rows, names=names) if rows else Table(names=names)


def evaluate_frameset(model, frameset, outdir, threshold=None, title=None):
    """
    Run a model on prepared frames (the one inference path) and write the evaluation.

    Parameters
    ----------
    model : `pypeit_spit.model.spit_model.SpitModel`
    frameset : `pypeit_spit.training.dataset.FrameSet`
    outdir : str or `pathlib.Path`
    threshold : float or None, optional
        Unknown cut replacing the model's own; None keeps the model's.
    title : str, optional

    Returns
    -------
    dict
        The summary.
    """
    result = infer(model, frameset.images, frameset.stats if model.uses_stats else None)
    figures = evaluate_inference(result, frameset.labels, threshold)
    summary = write_report(figures, frameset.files, frameset.labels, outdir, title=title,
                           failures=frameset.failures, model_name=model.path,
                           cuts=figures['cuts'], temperature=model.temperature)
    groups = per_instrument(result, frameset, threshold)
    groups.write(Path(outdir) / 'per_instrument.ecsv', format='ascii.ecsv', overwrite=True)
    summary['per_instrument'] = [dict(zip(groups.colnames, [r[c] for c in groups.colnames]))
                                 for r in groups]
    fs = summary['final']
    log.info(f'{title or "evaluation"}: normalized accuracy '
             f'{_fmt(summary["normalized_accuracy"])}; final scheme {_fmt(fs["correct"])} '
             f'correct, {_fmt(fs["wrong"])} wrong, {_fmt(fs["unknown"])} Unknown '
             f'({summary["n_frames"]} frames) -> {outdir}')
    return summary
