"""
The one door to PypeIt's spectrographs: a spectrograph from its name.

PypeIt's spectrographs need astropy's observatory list; :func:`get_spectrograph`
makes sure it is known offline (:func:`pypeit_spit.io.sites.use_offline_sites`)
before it imports them.
"""
from pypeit_spit.errors import UsageError

__all__ = ['get_spectrograph']


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
