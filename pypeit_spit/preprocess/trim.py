"""
Trim blank (vignetted, unilluminated) rows and overscan-like edges from a frame.

Follows Jankov & Prochaska (2018): sigma-clip down the columns, take the maximum of
each row, then walk in from both ends and cut where the value jumps by more than 10%
(or comes within 20% of the level of the illuminated rows, as SPIT's code does).
"""
import numpy as np
from astropy.stats import sigma_clip

from pypeit_spit.preprocess.resize import block_mean

__all__ = ['TrimError', 'row_profile', 'find_cut', 'trim_rows', 'trim_columns', 'MIN_ROWS',
           'min_rows_of']

#: Fewest rows a trimmed image may keep; fewer is reported, not stretched. A frame with
#: fewer than ``MIN_ROWS * MIN_ROWS_DIVISOR`` rows (binned on chip) needs only a
#: ``MIN_ROWS_DIVISOR``-th of its rows, and never fewer than :data:`MIN_ROWS_FLOOR`:
#: a 2x2-binned Kast blue frame (175 rows) keeps a 46-row slit.
MIN_ROWS = 50

#: See :data:`MIN_ROWS`: 50 of Kast blue's 350 unbinned rows (a seventh).
MIN_ROWS_DIVISOR = 7

#: See :data:`MIN_ROWS`.
MIN_ROWS_FLOOR = 16


class TrimError(ValueError):
    """The image is too small after trimming to be classified."""


def row_profile(image, sigma=3.0):
    """
    Maximum of each row after sigma-clipping every column.

    Images wider than 512 columns are first averaged over blocks of columns.

    Parameters
    ----------
    image : `numpy.ndarray`
        2-D image, spectral axis horizontal.
    sigma : float, optional
        Clipping threshold (in standard deviations) applied down each column.

    Returns
    -------
    `numpy.ndarray`
        One value per row.
    """
    # Average blocks of columns down to at most 512 (the profile is a maximum along
    # the spectral axis, which binning does not move): 2-8x faster clipping.
    block = int(np.ceil(image.shape[1] / 512))
    if block > 1:
        image = block_mean(image, block, axis=1)
    clipped = sigma_clip(image, sigma=sigma, axis=0, maxiters=3, masked=True)
    prof = np.ma.max(clipped, axis=1)
    # A row where every pixel was clipped keeps its unclipped maximum.
    return np.where(np.ma.getmaskarray(prof), np.max(image, axis=1), np.ma.getdata(prof))


#: Percentile of the profile taken as the level of the illuminated region. SPIT used
#: the median, which falls in a blank band when blank rows are the majority.
REFERENCE_PERCENTILE = 75.0


def find_cut(values, jump=1.10, near_median=0.2, limit=None):
    """
    Walk in from the start of ``values`` and find where the blank edge ends.

    Parameters
    ----------
    values : array_like
        Profile (e.g. row maxima), walked from index 0 upwards.
    jump : float, optional
        A value larger than ``jump`` times its predecessor ends the edge.
    near_median : float or None, optional
        A value within this fraction of the profile's reference level (its
        :data:`REFERENCE_PERCENTILE` percentile) also ends the edge; None disables
        the test. This keeps a bright trace from being taken for the edge of a
        frame that has no blank band.
    limit : int or None, optional
        Never cut more than this many elements.

    Returns
    -------
    int
        Number of leading elements to cut (0 when no edge is found).
    """
    v = np.asarray(values, dtype=float)
    # Ratios need positive values: shift a profile that reaches zero or below.
    floor = np.nanmin(v)
    if floor < 1.0:
        v = v - floor + 1.0
    med = np.nanpercentile(v, REFERENCE_PERCENTILE)
    n = len(v) if limit is None else min(len(v), limit + 1)
    for idx in range(1, n):
        prev, cur = v[idx - 1], v[idx]
        if cur > jump * prev:
            return idx
        if near_median is not None and abs(cur - med) < near_median * med:
            return idx
    return 0


def min_rows_of(n_rows):
    """
    Fewest rows a frame of ``n_rows`` rows may keep after trimming (see :data:`MIN_ROWS`).

    Parameters
    ----------
    n_rows : int

    Returns
    -------
    int
    """
    return min(MIN_ROWS, max(MIN_ROWS_FLOOR, -(-int(n_rows) // MIN_ROWS_DIVISOR)))


def trim_rows(image, jump=1.10, near_median=0.2, min_rows=None):
    """
    Trim blank rows at both spatial ends of a spectral-horizontal image.

    Parameters
    ----------
    image : `numpy.ndarray`
        2-D image, spectral axis horizontal.
    jump, near_median : float, optional
        See :func:`find_cut`.
    min_rows : int or None, optional
        Fewest rows the result may keep (default: :func:`min_rows_of` the image's).

    Returns
    -------
    trimmed : `numpy.ndarray`
        View of the kept rows.
    rows : slice
        The kept rows.

    Raises
    ------
    TrimError
        When fewer than ``min_rows`` rows remain.
    """
    if min_rows is None:
        min_rows = min_rows_of(image.shape[0])
    prof = row_profile(image)
    first = find_cut(prof, jump=jump, near_median=near_median)
    last = image.shape[0] - find_cut(prof[::-1], jump=jump, near_median=near_median)
    if last - first < min_rows:
        raise TrimError(f'only {max(last - first, 0)} rows left after trimming '
                        f'(image {image.shape[0]}x{image.shape[1]}; at least {min_rows} needed)')
    return image[first:last], slice(first, last)


def trim_columns(image, jump=1.10, max_fraction=0.08, min_cols=MIN_ROWS):
    """
    Trim overscan-like columns at the spectral ends (for frames read without
    instrument knowledge).

    Only a jump ends the walk, at most ``max_fraction`` of the columns are cut at each
    end, and only an edge darker than half the illuminated level is cut, so that a
    smooth flat or an arc line near the edge cannot eat the frame.

    Parameters
    ----------
    image : `numpy.ndarray`
        2-D image, spectral axis horizontal.
    jump : float, optional
        See :func:`find_cut`.
    max_fraction : float, optional
        Largest fraction of columns cut at each end.
    min_cols : int, optional
        Fewest columns the result may keep.

    Returns
    -------
    trimmed : `numpy.ndarray`
    cols : slice
    """
    # Average blocks of rows down to at most 128 first: the column profile is a
    # maximum over rows, which binning does not move.
    block = int(np.ceil(image.shape[0] / 128))
    binned = block_mean(image, block, axis=0) if block > 1 else image
    prof = row_profile(binned.T)
    limit = int(max_fraction * image.shape[1])
    reference = np.nanpercentile(prof, REFERENCE_PERCENTILE)

    def dark_edge(values):
        # Cut only an edge clearly darker than the frame (overscan), never the lit
        # columns in front of an arc line.
        cut = find_cut(values, jump=jump, near_median=None, limit=limit)
        return cut if cut and np.median(values[:cut]) < 0.5 * reference else 0

    first = dark_edge(prof)
    last = image.shape[1] - dark_edge(prof[::-1])
    if last - first < min_cols:
        raise TrimError(f'only {max(last - first, 0)} columns left after trimming')
    return image[:, first:last], slice(first, last)
