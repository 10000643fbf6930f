"""
The base of every instrument format: geometry, headers and lamps of one spectrograph.

An :class:`InstrumentFormat` subclass says only what PypeIt's classes cannot tell:

* :meth:`~InstrumentFormat.layout` -- the HDUs of a raw file for a drawn read-out window
  (shapes, and the geometry cards PypeIt's reader and ``get_detector_par`` read);
* :meth:`~InstrumentFormat.compound_cards` -- the cards behind PypeIt's *compound*
  metadata (binning, dates, lamp states written over several cards...).

Everything else is read from PypeIt at run time: the card (and HDU) of every plain
metadata key (``spectrograph.meta``), the detector layout (learnt through the reader, see
:mod:`pypeit_spit.simulate.rawformat`), gains, read noise, saturation, plate scale,
orientation, the exposure-time windows of the frame-typing rules
(``default_pypeit_par``), the arc lamps of the wavelength calibration (its ``lamps``
parameter, config-specific, or ``get_lamps`` where the header names them) and the
telescope (site, aperture). The values that make PypeIt's ``check_frame_type`` give
each class (``types`` in :data:`pypeit_spit.simulate.params.INSTRUMENTS`) and every
instrument fact PypeIt does not hold are in that params table, with their sources.
"""
from functools import cached_property

import numpy as np
from astropy.coordinates import Angle
from astropy.time import Time

from pypeit_spit.simulate.params import CLASSES, FAULTS, INSTRUMENTS
from pypeit_spit.simulate.rawformat import HDUSpec, learn_raw_map, make_hdulist

__all__ = ['InstrumentFormat', 'FrameInfo', 'sexagesimal']


def sexagesimal(deg, hours, precision=2, sign=False):
    """
    Sexagesimal string of an angle.

    Parameters
    ----------
    deg : float
        Degrees.
    hours : bool
        Write as hours (right ascension).
    precision : int, optional
        Decimals of the seconds.
    sign : bool, optional
        Always write the sign (declination).

    Returns
    -------
    str
    """
    a = Angle(deg, unit='deg')
    unit = 'hourangle' if hours else 'deg'
    return a.to_string(unit=unit, sep=':', precision=precision, pad=True,
                       alwayssign=sign and not hours)


class FrameInfo(dict):
    """
    What the header of one frame must say (a dict with attribute access).

    Keys set by the simulator: ``cls``, ``fault``, ``exptime``, ``mjd`` (start),
    ``target``, ``ra``, ``dec`` (degrees), ``airmass``, ``setup`` (grating entry),
    ``decker`` (slit name), ``slit_width`` (arcsec), ``binning`` (spectral, spatial),
    ``lamps`` (arc-lamp set or flat lamp, instrument names), ``meta`` (PypeIt metadata
    values from the typing recipe), ``seq`` (frame number), ``geom`` (the night's
    read-out geometry).
    """

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(key) from exc


class InstrumentFormat:
    """
    Raw format and headers of one PypeIt spectrograph (subclass per instrument).

    Attributes
    ----------
    name : str
        PypeIt spectrograph name.
    suffix : str
        File name ending written (one PypeIt accepts).
    dets : tuple of int
        PypeIt detectors the simulated file holds pixels for.
    arrangement : str
        How several detectors sit in the scene: ``'spat'`` or ``'spec'``.
    det_order : tuple of int or None
        Detector order along the arrangement axis (increasing wavelength for
        ``'spec'``).
    engine : str
        The simulation that draws its frames: ``'longslit'`` (the photon model of
        :mod:`pypeit_spit.simulate.longslit`) or ``'kast'`` (levels measured in ADU,
        :mod:`pypeit_spit.simulate.frame`).
    """

    name = None
    engine = 'longslit'
    suffix = '.fits'
    dets = (1,)
    arrangement = 'spat'
    det_order = None

    def __init__(self):
        self._maps = {}

    # ------------------------------------------------------------------ PypeIt side
    @cached_property
    def spec(self):
        """The PypeIt spectrograph object."""
        from pypeit_spit.io.spectrograph import get_spectrograph  # offline sites first
        return get_spectrograph(self.name)

    @cached_property
    def p(self):
        """This instrument's entry of :data:`~pypeit_spit.simulate.params.INSTRUMENTS`."""
        return INSTRUMENTS[self.name]

    @cached_property
    def par(self):
        """PypeIt's default parameters for the spectrograph."""
        return self.spec.default_pypeit_par()

    def night_params(self, geom):
        """The facts of a night (the params entry; drawn per night for ``generic``)."""
        return self.p

    def platescale(self, geom, det=1):
        """PypeIt's plate scale (arcsec per unbinned pixel) of a detector."""
        return float(self.spec.get_detector_par(det)['platescale'])

    def finish_context(self, ctx, rng):
        """Hook to add instrument-specific scene features to a night context."""
        return None

    def exprng(self, ftype):
        """PypeIt's exposure-time window ``[lo, hi]`` of a frame type (None = open)."""
        if ftype == 'science':
            return list(self.par['scienceframe']['exprng'])
        return list(self.par['calibrations'][f'{ftype}frame']['exprng'])

    @cached_property
    def telescope(self):
        """PypeIt's telescope parameters (``latitude``, ``longitude``, ``diameter``...)."""
        return self.spec.telescope

    def meta_card(self, key):
        """``(hdu, card)`` of a plain PypeIt metadata key, or None when compound/absent."""
        m = self.spec.meta.get(key)
        if m is None or m.get('compound') or m.get('card') is None:
            return None
        return int(m.get('ext', 0)), m['card']

    # ------------------------------------------------------------------ geometry
    def draw_geometry(self, rng, variety=True):
        """
        Draw the read-out geometry of a night (binning, window).

        The default draws ``binning`` from ``p['binning']`` and calls
        :meth:`draw_window`.

        Parameters
        ----------
        rng : `numpy.random.Generator`
        variety : bool, optional
            Allow windows and binnings beyond the instrument's common ones.

        Returns
        -------
        dict
            At least ``binning`` = ``(spectral, spatial)``.
        """
        pairs = self.p['binning']
        if not variety:
            pairs = pairs[:1]
        w = np.array([q for _, q in pairs], dtype=float)
        binning = tuple(pairs[int(rng.choice(len(pairs), p=w / w.sum()))][0])
        geom = dict(binning=binning)
        geom.update(self.draw_window(rng, binning, variety))
        return geom

    def draw_window(self, rng, binning, variety=True):
        """Window parameters of a night (subclasses); empty by default."""
        return {}

    def layout(self, geom, cards):
        """
        HDUs of a raw file for a geometry.

        Parameters
        ----------
        geom : dict
            From :meth:`draw_geometry`.
        cards : dict
            ``{hdu index: [(key, value, comment), ...]}`` metadata cards to include.

        Returns
        -------
        list of `~pypeit_spit.simulate.rawformat.HDUSpec`
        """
        raise NotImplementedError

    def raw_map(self, geom, cards):
        """
        The learnt pixel layout of a geometry (cached per geometry).

        Parameters
        ----------
        geom : dict
        cards : dict
            Metadata cards of a representative frame (some readers read dates or the
            amplifier mode from the header).

        Returns
        -------
        `~pypeit_spit.simulate.rawformat.RawMap`
        """
        key = tuple(sorted((k, v if not isinstance(v, list) else tuple(v))
                           for k, v in geom.items()))
        if key not in self._maps:
            gap = int(round(self.p.get('det_gap', 0) / geom['binning'][
                1 if self.arrangement == 'spat' else 0]))
            self._maps[key] = learn_raw_map(self.spec, self.build_hdus(geom, cards), self.dets,
                                            self.suffix, arrangement=self.arrangement,
                                            gap=gap, order=self.det_order)
        return self._maps[key]

    # ------------------------------------------------------------------ headers
    @staticmethod
    def put(cards, hdu, key, value, comment=None):
        """Add a card to ``cards[hdu]``."""
        cards.setdefault(int(hdu), []).append((key, value, comment))

    def put_meta(self, cards, key, value, comment=None):
        """Write a plain PypeIt metadata key where PypeIt reads it (no-op if compound)."""
        where = self.meta_card(key)
        if where is not None and value is not None:
            self.put(cards, where[0], where[1], value, comment)

    def format_ra(self, ra):
        """The RA card value (default: sexagesimal hours)."""
        return sexagesimal(ra, True)

    def format_dec(self, dec):
        """The DEC card value (default: signed sexagesimal degrees)."""
        return sexagesimal(dec, False, precision=1, sign=True)

    def frame_cards(self, frame):
        """
        Every metadata card of one frame.

        Plain PypeIt metadata keys go where ``spectrograph.meta`` says; compound keys
        through :meth:`compound_cards`; then :meth:`extra_cards`.

        Parameters
        ----------
        frame : FrameInfo

        Returns
        -------
        dict
            ``{hdu index: [(key, value, comment), ...]}``.
        """
        cards = {}
        t0 = Time(frame.mjd, format='mjd')
        meta = dict(target=frame.target, exptime=self.exptime_value(frame.exptime),
                    airmass=float(np.round(frame.airmass, 3)), decker=frame.decker,
                    dispname=frame.setup['name'], ra=self.format_ra(frame.ra),
                    dec=self.format_dec(frame.dec), mjd=float(np.round(frame.mjd, 6)),
                    dateobs=t0.isot[:10], instrument=self.p.get('instrument_card'))
        if 'dichroic' in frame and frame.dichroic is not None:
            meta['dichroic'] = frame.dichroic
        meta.update(self.extra_meta(frame))
        meta.update(frame.meta)
        for key, value in meta.items():
            self.put_meta(cards, key, value)
        for hdu, key, value, comment in self.compound_cards(frame, meta):
            self.put(cards, hdu, key, value, comment)
        for hdu, key, value, comment in self.extra_cards(frame, meta):
            self.put(cards, hdu, key, value, comment)
        return cards

    def extra_meta(self, frame):
        """Further plain metadata values (grating angle, slit width...) of a frame."""
        return {}

    def exptime_value(self, t):
        """The exposure-time card value (float seconds by default)."""
        return float(np.round(t, 3))

    def compound_cards(self, frame, meta):
        """Cards behind PypeIt's compound metadata: ``[(hdu, key, value, comment)]``."""
        return []

    def extra_cards(self, frame, meta):
        """Further cards real files carry (not read by PypeIt): ``[(hdu, key, value, comment)]``."""
        return []

    def header_for(self, spec_hdu, cards, index):
        """Merge geometry (``spec_hdu``) and metadata cards into one header."""
        h = spec_hdu.header.copy()
        for key, value, comment in cards.get(index, []):
            if key.upper() in h and key.upper() in ('EXTNAME',):
                continue
            h[key] = (value, comment) if comment else value
        return h

    def build_hdus(self, geom, cards):
        """HDU specs with the metadata cards merged in."""
        specs = self.layout(geom, cards)
        return [HDUSpec(self.header_for(s, cards, i), s.shape, s.compressed)
                for i, s in enumerate(specs)]

    # ------------------------------------------------------------------ lamps
    def arc_ions(self, lamp_set, header_cards=None):
        """
        PypeIt line lists lit by an arc-lamp set.

        The lamp set's ``ions`` when the params give them; otherwise PypeIt's own
        wavelength-calibration lamps for this instrument (``lamps`` parameter).

        Parameters
        ----------
        lamp_set : dict
            Entry of ``p['arc_lamps']``.
        header_cards : dict, optional

        Returns
        -------
        list of str
        """
        if lamp_set.get('ions'):
            return list(lamp_set['ions'])
        lamps = self.par['calibrations']['wavelengths']['lamps'] or []
        return [lamp for lamp in lamps if lamp != 'use_header']

    # ------------------------------------------------------------------ typing recipe
    def faults(self, cls):
        """Header faults that mislead this instrument's rules for a true class."""
        return tuple(self.p.get('faults', {}).get(cls, FAULTS[cls]))

    def rule_class(self, cls):
        """The class PypeIt's rules can give a true class on a clean night."""
        return self.p.get('rule_class', {}).get(cls, cls)

    def class_meta(self, cls, fault=None, lamps=None, rng=None, frame=None):
        """
        PypeIt metadata values that make the rules type a frame (the typing recipe of
        ``types`` in the params), with a header fault applied.

        Parameters
        ----------
        cls : str
            True class.
        fault : str or None
        lamps : dict or None
            Arc-lamp set (its ``meta`` values are written).
        rng : `numpy.random.Generator`, optional
        frame : FrameInfo, optional

        Returns
        -------
        dict
        """
        types = self.p.get('types', {})
        meta = dict(types.get(cls, {}))
        if cls == 'arc' and lamps:
            meta.update(lamps.get('meta', {}))
        lamp_keys = self.p.get('lamp_keys', ())
        type_keys = self.p.get('type_keys', ())
        off = types.get('science', {})
        on = dict(types.get('arc', {}))
        if fault == 'lamp_cards_off':
            meta.update({k: off[k] for k in lamp_keys if k in off})
        elif fault == 'lamps_left_on':
            meta.update({k: on[k] for k in lamp_keys if k in on})
        elif fault == 'twilight_flat':
            meta = dict(types.get('science', {}))
        elif fault == 'wrong_object':
            others = [c for c in CLASSES if c != cls and c in types
                      and any(types[c].get(k) != meta.get(k) for k in type_keys)]
            if others:
                pick = others[int(rng.integers(len(others)))] if rng is not None else others[0]
                meta.update({k: types[pick][k] for k in type_keys if k in types[pick]})
        return meta

    def lamp_label(self, lamps, cls):
        """Manifest label of the lamps physically on."""
        if cls == 'arc' and lamps:
            return '+'.join(self.arc_ions(lamps))
        return ''

    def lamp_cards_label(self, meta):
        """Manifest label of the lamp metadata written."""
        keys = self.p.get('lamp_keys', ())
        return ','.join(f'{k}={meta[k]}' for k in keys if k in meta)

    def to_hdulist(self, specs, arrays):
        """The in-memory raw file."""
        return make_hdulist(specs, arrays)

    @property
    def data_hdu(self):
        """Index of the first HDU with pixels (for the manifest's NAXIS columns)."""
        return 0

    def file_name(self, seq, frame):
        """File name of frame number ``seq`` (instrument convention where known)."""
        return f'{self.p.get("prefix", "frame")}{seq:04d}{self.suffix}'

    def pypeit_extension(self):
        """File ending to hand to ``PypeItSetup.from_file_root``."""
        return self.suffix
