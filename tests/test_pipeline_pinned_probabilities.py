"""
The bundled model's probabilities on the real Kast frames, pinned, through every path
users and the model card use: ``classify_files`` (``pypeit_spit_classify``), the
evaluation (``pypeit_spit_evaluate``) and PypeIt's setup (``pypeit_spit_setup``).

The reference (``tests/data/pinned_<model>.ecsv``) is written by running this file::

    python tests/test_pipeline_pinned_probabilities.py

It changes only when the bundled model or the pre-processing changes on purpose
(regenerate it then, and say so in the commit). When it was first written (0.2.0
restructure) it equalled pypeit-spit 0.1.0's output to the last bit.
"""
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table

from pypeit_spit.model.store import DEFAULT_MODEL
from pypeit_spit.vocab import CLASSES
from helpers import classify_table

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / 'data' / f'pinned_{DEFAULT_MODEL}.ecsv'
#: Kast spectrographs of the shared real frames, by folder.
KAST = {'shane_kast_blue': 'shane_kast_blue', 'shane_kast_red': 'shane_kast_red_ret'}
PROB_COLUMNS = [f'prob_{c}' for c in CLASSES]
TOLERANCE = 1e-6


def kast_frames(realframes):
    """The real Kast frames (from the labels table) and their spectrographs."""
    labels = Table.read(realframes / 'labels.csv', format='ascii.csv')
    rows = []
    for f in labels['file']:
        folder = str(f).split('/')[0]
        if folder in KAST:
            rows.append((str(f), KAST[folder]))
    return rows


def compute(realframes):
    """Probabilities through classify_files, with both loaders."""
    out = []
    for loader in ('pypeit', 'generic'):
        for spec in sorted({s for _, s in kast_frames(realframes)}):
            files = [f for f, s in kast_frames(realframes) if s == spec]
            t = classify_table([realframes / f for f in files],
                               spectrograph=spec if loader == 'pypeit' else None)
            for f, row in zip(files, t):
                out.append([f, loader, str(row['class']), int(row['votes']),
                            *[float(row[c]) for c in PROB_COLUMNS]])
    return Table(rows=out, names=['file', 'loader', 'class', 'votes', *PROB_COLUMNS])


@pytest.fixture(scope='module')
def reference():
    if not REFERENCE.is_file():
        pytest.fail(f'{REFERENCE} is missing: run python {Path(__file__).name}')
    return Table.read(REFERENCE, format='ascii.ecsv')


def _probs(table):
    return np.array([[row[c] for c in PROB_COLUMNS] for row in table])


def test_classify_matches_reference(realframes, reference):
    got = compute(realframes)
    assert list(got['file']) == list(reference['file'])
    assert list(got['class']) == list(reference['class'])
    assert np.max(np.abs(_probs(got) - _probs(reference))) <= TOLERANCE


def test_evaluate_matches_reference(realframes, reference, tmp_path):
    """The evaluation's predictions.ecsv: same probabilities as typing."""
    from pypeit_spit.model.store import get_model
    from pypeit_spit.training.dataset import build_dataset, read_labels
    from pypeit_spit.training.evaluate import evaluate_frameset
    labels = read_labels(realframes / 'labels.csv')
    model = get_model()
    for loader in ('pypeit', 'generic'):
        table = read_labels(realframes / 'labels.csv', loader=loader)
        keep = [str(f).split('/')[-2] in KAST for f in labels['file']]
        table = table[keep]
        if loader == 'pypeit':   # r6 is a Reticon frame (labels.csv names the red arm)
            table['spectrograph'] = [KAST[str(f).split('/')[-2]] for f in table['file']]
        frames = build_dataset(table, workers=1, progress=False)
        evaluate_frameset(model, frames, tmp_path / loader)
        pred = Table.read(tmp_path / loader / 'predictions.ecsv')
        ref = reference[reference['loader'] == loader]
        index = {os.path.realpath(realframes / f): i for i, f in enumerate(ref['file'])}
        order = [index[os.path.realpath(str(f))] for f in pred['file']]
        assert np.max(np.abs(_probs(pred) - _probs(ref[order]))) <= TOLERANCE
        assert list(pred['pred']) == list(ref['class'][order])


def test_setup_matches_reference(realframes, reference):
    """PypeIt's setup: spit_prob is SPIT's probability of its answer."""
    from pypeit.pypeitsetup import PypeItSetup

    from pypeit_spit.integration.config import instrument_config
    from pypeit_spit.integration.frametypes import classify_metadata, type_frames
    ps = PypeItSetup.from_file_root(str(realframes / 'shane_kast_blue'), 'shane_kast_blue')
    ps.build_fitstbl()
    cfg = instrument_config('shane_kast_blue')
    result = type_frames(ps.fitstbl, classify_metadata(ps.fitstbl, cfg), config=cfg)
    ref = reference[reference['loader'] == 'pypeit']
    index = {Path(f).name: i for i, f in enumerate(ref['file'])}
    checked = 0
    for row in result.table:
        r = ref[index[str(row['filename'])]]
        want = r[f"prob_{row['spit_class']}"] if row['spit_class'] != 'unknown' else \
            max(r[c] for c in PROB_COLUMNS)
        assert row['spit_class'] == r['class']
        assert abs(row['spit_prob'] - want) <= TOLERANCE, row['filename']
        checked += 1
    assert checked == 27


if __name__ == '__main__':
    realframes = HERE.parent.parent / 'shared' / 'realframes'
    table = compute(realframes)
    table.meta['comments'] = [f'Probabilities of the bundled model {DEFAULT_MODEL} on the real '
                              'Kast frames of ../shared/realframes (classify_files).',
                              f'Written by: python tests/{Path(__file__).name}']
    table.write(REFERENCE, format='ascii.ecsv', overwrite=True)
    print(f'{REFERENCE}: {len(table)} rows', file=sys.stderr)
