"""
Raw formats and headers of every simulated spectrograph (one module per family).

:func:`get_format` returns the :class:`~pypeit_spit.simulate.instruments.base.InstrumentFormat`
of a PypeIt spectrograph name (or ``generic``), Kast included: its ``p`` is the
instrument's entry of :data:`pypeit_spit.simulate.params.INSTRUMENTS`, its ``engine`` the
simulation that draws its frames (``kast`` or ``longslit``, see
:mod:`pypeit_spit.simulate.night`). To add an instrument: write its facts in
:data:`~pypeit_spit.simulate.params.INSTRUMENTS`, subclass ``InstrumentFormat`` (its
``layout`` and ``compound_cards``), register it in :data:`FORMATS`, and add it to
``params.LONGSLIT``; the tests then check that PypeIt's rules type its nights right.
"""
import importlib

__all__ = ['FORMATS', 'get_format']

#: PypeIt spectrograph name -> ``module:Class`` of its format.
FORMATS = {
    'shane_kast_blue': 'shane_kast:KastBlue',
    'shane_kast_red': 'shane_kast:KastRed',
    'shane_kast_red_ret': 'shane_kast:KastRedRet',
    'wht_isis_blue': 'wht_isis:ISISBlue',
    'wht_isis_red': 'wht_isis:ISISRed',
    'p200_dbsp_blue': 'p200_dbsp:DBSPBlue',
    'p200_dbsp_red': 'p200_dbsp:DBSPRed',
    'keck_lris_blue': 'keck_lris:LRISBlue',
    'keck_lris_red': 'keck_lris:LRISRed',
    'gemini_gmos_north_ham': 'gemini_gmos:GMOSNorthHam',
    'gemini_gmos_south_ham': 'gemini_gmos:GMOSSouthHam',
    'ntt_efosc2': 'ntt_efosc2:EFOSC2',
    'not_alfosc': 'not_alfosc:ALFOSC',
    'mmt_bluechannel': 'mmt_bluechannel:BlueChannel',
    'lbt_mods1r': 'lbt_mods:MODS1R',
    'soar_goodman_red': 'soar_goodman:GoodmanRed',
    'ldt_deveny': 'ldt_deveny:DeVeny',
    'keck_deimos': 'keck_deimos:DEIMOS',
    'generic': 'generic:Generic',
}

_CACHE = {}


def get_format(name):
    """
    The (cached) format object of a spectrograph.

    Parameters
    ----------
    name : str
        PypeIt spectrograph name of a simulated instrument, or ``generic``.

    Returns
    -------
    `~pypeit_spit.simulate.instruments.base.InstrumentFormat`

    Raises
    ------
    ValueError
        An unsupported name.
    """
    if name not in FORMATS:
        raise ValueError(f'no simulated format for {name!r}; supported: {", ".join(FORMATS)}')
    if name not in _CACHE:
        mod, cls = FORMATS[name].split(':')
        module = importlib.import_module(f'pypeit_spit.simulate.instruments.{mod}')
        _CACHE[name] = getattr(module, cls)()
    return _CACHE[name]
