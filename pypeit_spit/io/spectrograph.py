"""
The one door to PypeIt's spectrographs: a spectrograph from its name, and what its
detector parameters say of a frame's noise.

PypeIt's spectrographs need astropy's observatory list; :func:`get_spectrograph`
makes sure it is known offline (:func:`pypeit_spit.io.sites.use_offline_sites`)
before it imports them.
"""
import numpy as np

from pypeit_spit.errors import UsageError

__all__ = ['get_spectrograph', 'detector_noise']


def get_spectrograph(spectrograph):
    """
    A PypeIt spectrograph from its name (an instance is returned as it is).

    Parameters
    ----------
    spectrograph : str or `pypeit.spectrographs.spectrograph.Spectrograph`

    Returns
    -------
    `pypeit.spectrographs.spectrograph.Spectrograph`

    Raises
    ------
    pypeit_spit.errors.UsageError
        An unknown name.
    """
    if not isinstance(spectrograph, str):
        return spectrograph
    from pypeit_spit.io.sites import use_offline_sites
    use_offline_sites()
    from pypeit.spectrographs import available_spectrographs
    from pypeit.spectrographs.util import load_spectrograph
    if spectrograph not in available_spectrographs:
        raise UsageError(f'unknown PypeIt spectrograph {spectrograph!r}')
    return load_spectrograph(spectrograph)


def detector_noise(detpar):
    """
    A detector's read noise in ADU, as its spectrograph gives it: PypeIt's ``ronoise``
    (electrons) over its ``gain`` (electrons per ADU), the median over amplifiers (and
    over the detectors of a mosaic).

    Parameters
    ----------
    detpar : `pypeit.images.detector_container.DetectorContainer`, `pypeit.images.mosaic.Mosaic` or None
        The detector parameters PypeIt's ``get_rawimage`` gave for the frame (they may
        depend on its header).

    Returns
    -------
    float or None
        None where the spectrograph does not give both for every amplifier.
    """
    if detpar is None:
        return None
    values = []
    try:
        dets = getattr(detpar, 'detectors', None)
        for det in [detpar] if dets is None else list(dets):
            ron = np.atleast_1d(np.asarray(det['ronoise'], dtype=float))
            gain = np.atleast_1d(np.asarray(det['gain'], dtype=float))
            if ron.shape != gain.shape:
                return None
            values.extend(ron / gain)
    except (KeyError, TypeError, ValueError):   # not given (None) or not numbers
        return None
    values = np.asarray(values)
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        return None
    return float(np.median(values))
