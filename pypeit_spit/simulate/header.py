"""
Real-format Kast headers (card names, order, padding and values as in 2015 raw files).

PypeIt types Kast frames from ``EXPTIME`` and the lamp cards ``LAMPSTA1-5`` /
``LAMPSTAA-K`` only (``ShaneKastSpectrograph.check_frame_type``); the cards written here
make its rules give the true class, except where a *fault* is requested: then the header
lies the way real nights do, and the truth stays in the manifest.
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate import light
from pypeit_spit.simulate.params import INSTRUMENTS, LAMP_SLOTS, STANDARD_NAMES

__all__ = ['make_header', 'target_for', 'NIGHT_LENGTH_DAYS', 'LICK_LAT']

#: Length of a simulated night (days): ~10 h of dark time plus twilight.
NIGHT_LENGTH_DAYS = 0.45
#: Lick latitude (deg) [PKdep].
LICK_LAT = 37.34

_SCIENCE_NAMES = ('J1217p3905', 'SN 2019bek', 'ZTF18abilbfg', 'PG0157+002', 'SN2019np',
                  'NGC 4151', 'Mrk 335', 'AT2020abc', '3C 273 host', 'GRB afterglow',
                  'QSO J1430+42', 'SDSS J0912+37', 'M31 HII', 'Target 7')


def _pad(s):
    return f'{s:<18}'


def _sexa(deg, hours):
    from astropy.coordinates import Angle
    a = Angle(deg, unit='deg')
    if hours:
        return _pad(a.to_string(unit='hourangle', sep=':', precision=1, pad=True))
    return _pad(a.to_string(unit='deg', sep=':', precision=1, pad=True, alwayssign=True)
                .replace('+', ' '))


def target_for(cls, rng):
    """
    OBJECT name and coordinates for a frame.

    Standards are real spectrophotometric standards from PypeIt's catalogue (by name and
    coordinates); science targets are random sky positions more than 1 degree from every
    standard of PypeIt's archives; calibrations point at the dome (Dec ~ Lick latitude).

    Parameters
    ----------
    cls : str
        True class.
    rng : `numpy.random.Generator`

    Returns
    -------
    name : str
    ra, dec : float
        Degrees.
    airmass : float
    """
    cat = light.standard_catalogue()
    if cls == 'standard':
        norm = {n.replace(' ', '').replace('+', '').upper(): (n, ra, dec) for n, ra, dec in cat}
        keys = [k for k in STANDARD_NAMES if k in norm]
        key = keys[int(rng.integers(len(keys)))]
        spell = STANDARD_NAMES[key][int(rng.integers(len(STANDARD_NAMES[key])))]
        _, ra, dec = norm[key]
        return spell, ra, dec, float(np.round(rng.uniform(1.0, 1.6), 2))
    if cls == 'science':
        ra, dec = light.far_from_standards(rng, (-25.0, 75.0))
        name = _SCIENCE_NAMES[int(rng.integers(len(_SCIENCE_NAMES)))]
        return name, ra, dec, float(np.round(rng.uniform(1.0, 2.2), 2))
    return None, rng.uniform(0, 360), LICK_LAT + rng.uniform(-0.1, 0.1), 1.0


def _object_for(cls, fault, rng):
    if cls == 'bias':
        return 'dark' if (fault == 'dark_as_bias' and rng.random() < 0.3) else 'Bias'
    if cls == 'arc':
        return ['Arcs', 'Arcs', 'arc', 'HgArNe', 'Arc HgArNe'][int(rng.integers(5))]
    if cls == 'flat':
        if fault == 'twilight_flat':
            return ['twilight flat', 'sky flat', 'Twilight'][int(rng.integers(3))]
        return ['Dome Flat', 'Dome Flat', 'dome flat', 'dflat', 'flat'][int(rng.integers(5))]
    return None


def make_header(ctx, params, rng, seq=1):
    """
    Build the primary header of a simulated frame.

    Parameters
    ----------
    ctx : `~pypeit_spit.simulate.frame.Context`
        Night context (camera, setup, layout).
    params : dict
        Frame parameters from :func:`~pypeit_spit.simulate.frame.simulate_frame`
        (``cls``, ``fault``, ``exptime``, ``lamps``, ``slit_width``, ``phase``); updated
        with the header values written (``object``, ``lamp_cards``, ``date_obs``...).
    rng : `numpy.random.Generator`
    seq : int, optional
        Observation number.

    Returns
    -------
    `astropy.io.fits.Header`
    """
    cam = ctx.camera
    c = INSTRUMENTS[cam]
    cls, fault = params['cls'], params.get('fault') or None
    fault = None if fault == 'none' else fault
    t = params['exptime']
    L = ctx.layout
    obj, ra, dec, airmass = target_for(cls, rng)
    obj = obj or _object_for(cls, fault, rng)
    lamps_on = set(params.get('lamps', ''))
    if fault == 'lamp_cards_off':
        lamps_on = set()
    elif fault == 'lamps_left_on':
        lamps_on = {['5', '1', '2', 'F', 'G', 'H', 'J'][int(rng.integers(7))]}
    start = Time(ctx.mjd0 + params.get('phase', 0.0) * NIGHT_LENGTH_DAYS, format='mjd')
    end = Time(start.mjd + t / 86400.0, format='mjd')
    readout = Time(end.mjd + rng.uniform(0.3, 3.0) / 86400.0, format='mjd')
    blue = c['arm'] == 'blue'
    is_dark = cls == 'bias'
    slit = params.get('slit_width', 2.0)
    h = fits.Header()
    cards = [
        ('CRVAL1U', L.cards['CRVAL1U'], 'COLUMN ORIGIN'),
        ('CRVAL2U', L.cards['CRVAL2U'], 'ROW ORIGIN'),
        ('CDELT1U', L.cards.get('CDELT1U', 1), 'COLUMN CHANGE PER PIXEL'),
        ('CDELT2U', L.cards['CDELT2U'], 'ROW CHANGE PER PIXEL'),
        ('OBSNUM', int(seq), 'OBSERVATION NUMBER'),
        ('IDNUM', 3, 'IMAGE ID'),
        ('UGEOM', c['geomcode'], 'UCAM READOUT GEOMETRY'),
        ('DGEOM', c['geomcode'], 'DESCRAMBLE GEOMETRY'),
        ('AMPSROW', c['ampsrow'], 'AMPLIFIERS PER ROW'),
        ('AMPSCOL', 1, 'AMPLIFIERS PER COLUMN'),
        ('OBSTYPE', 'DARK' if is_dark else 'OBJECT', 'IMAGE TYPE'),
        ('EXPTIME', int(round(t)), 'Exp time (not counting shutter error)'),
        ('PROGRAM', 'NEWCAM', 'New Lick Camera'),
        ('VERSION', c['version'], 'Data acquisition version'),
        ('TSEC', int(readout.unix), 'CLOCK TICK - SECONDS'),
        ('TUSEC', int(rng.integers(0, 999999)), 'CLOCK TICK - MICROSECONDS'),
        ('DATE', readout.isot[:22], 'UT of CCD readout & descramble'),
        ('DATASEC', L.cards['DATASEC'], 'IRAF/NOAO-style data section'),
        ('ERASE', 3, 'NUMBER OF ERASES'),
        ('PPRERD', 4, 'PRE-IMAGE ROWS'),
        ('TCPR2', 4, 'POST-IMAGE SERIAL PIXELS BEFORE OVERSCAN'),
        ('TCPR1', 4, 'PRE-IMAGE SERIAL PIXELS'),
        ('SUPBLUE', 80 if ('5' in lamps_on) else 0, 'Shane line lamp superblue level'),
        ('OWNERID', _pad(''), 'OWNERID for archive data'),
        ('TEMPDET', c['tempdet'], 'EXPOSURE START DETECTOR TEMPERATURE'),
        ('READ-SPD', c['readspd'][0], 'DCS READ SPEED'),
        ('DATE-BEG', start.isot[:22], 'OBSERVATION BEGIN'),
        ('ROVER', L.cards['ROVER'], 'NUMBER OF OVERSCAN ROWS'),
        ('COVER', L.cards['COVER'], 'NUMBER OF OVERSCAN COLUMNS'),
        ('DEC', _sexa(dec, False), 'DECLINATION'),
        ('TEMPCON', 9, 'CONTROLLER TEMPERATURE'),
        ('DATE-END', end.isot[:22], 'OBSERVATION END'),
        ('OBJECT', _pad(obj), None),
        ('DATE-OBS', start.isot[:22], 'observation date (begin)'),
        ('DECKER_N', _pad('Spect'), 'DECKER POSITION NAME'),
        ('GRISM_O', 2, 'GRISM POSITION ORDINAL NUMBER'),
        ('GRATNG_N', _pad(ctx.setup['name'] if not blue else '1200/5000'), 'GRATING POSITION NAME'),
        ('BLFILT_N', _pad('Open'), 'BLUE FILTER TRAY POSITION NAME'),
        ('OBSERVER', _pad('Simulated'), 'OBSERVER NAME'),
        ('GEOMCODE', c['geomcode'], 'READOUT GEOMETRY'),
        ('DSENSOR', c['dsensor'], 'SENSOR DESCRIPTION'),
        ('DNAXIS1', c['dnaxis'][0], 'COLUMNS IN SENSOR'),
        ('DNAXIS2', c['dnaxis'][1], 'ROWS IN SENSOR'),
        ('UCAMSOFT', _pad('4.08 052011'), 'UCAM SOFTWARE VERSION'),
        ('CAMERAID', c['cameraid'], 'CAMERA ID NUMBER'),
        ('RA', _sexa(ra, True), 'RIGHT ASCENSION'),
        ('MPP', 1, 'MPP STATE'),
    ]
    for k, v, com in cards:
        h[k] = (v, com) if com else v
    # Second, integer OBSTYPE card, as real files carry [RAW]
    h.append(fits.Card('OBSTYPE', 0 if is_dark else 1, 'IMAGE TYPE'), useblanks=False,
             bottom=True)
    h.append(fits.Card('GAIN', 1, 'DCS GAIN INDEX'), bottom=True)
    for slot in 'HGFEDCBA54321':
        kind = 'flatfield' if slot.isdigit() else 'line'
        h.append(fits.Card(f'LAMPSTA{slot}', _pad('on' if slot in lamps_on else 'off'),
                           f'Shane {kind} lamp #{slot} status'), bottom=True)
    for slot in 'KJIHGF':
        h.append(fits.Card(f'LAMPNAM{slot}', _pad(LAMP_SLOTS[slot]),
                           f'Shane line lamp #{slot} name'), bottom=True)
    more = [
        ('WAVEPLT', 0, 'WAVE PLATE POSITION'),
        ('BSPLIT_O', _pad('Xin'), 'BEAM SPLITTER POSITION'),
        ('HA', _pad('-00:03:24.4'), 'HOUR ANGLE'),
        ('SLIT_N', _pad(f'{slit:.1f} arcsec'), 'SLIT POSITION NAME'),
        ('BSPLIT_N', _pad(ctx.dichroic), 'BEAM SPLITTER POSITION NAME'),
        ('USFILT_N', _pad('WaveplateOut'), 'USER FILTER WHEEL POSITION NAME'),
        ('RDFILT_N', _pad('Open'), 'RED FILTER WHEEL POSITION NAME'),
        ('AIRMASS', airmass if airmass != 1.0 else 1, 'AIRMASS AT START OF OBSERVATION'),
        ('TUB', 73.5, 'TUB POSITION'),
        ('GRTILT_P', int(ctx.tilt) if ctx.tilt is not None else 25500,
         'GRATING TILT PHYSICAL POSITION'),
        ('GRISM_N', _pad(ctx.setup['name'] if blue else '600/4310'), 'GRISM POSITION NAME'),
        ('GRATNG_O', 1, 'GRATING POSITION ORDINAL NUMBER'),
    ]
    for k, v, com in more:
        h.append(fits.Card(k, v, com), bottom=True)
    for slot in 'EDCBA54321':
        kind = 'flatfield' if slot.isdigit() else 'line'
        h.append(fits.Card(f'LAMPNAM{slot}', _pad(LAMP_SLOTS[slot]),
                           f'Shane {kind} lamp #{slot} name'), bottom=True)
    for slot in 'KJI':
        h.append(fits.Card(f'LAMPSTA{slot}', _pad('on' if slot in lamps_on else 'off'),
                           f'Shane line lamp #{slot} status'), bottom=True)
    h.append(fits.Card('CKSUMOK', True, 'cd: CHECKSUMS MATCH'), bottom=True)
    params.update(object=obj.strip(), ra=float(ra), dec=float(dec), airmass=float(airmass),
                  date_obs=start.isot[:22], lamp_cards=''.join(sorted(lamps_on)))
    return h
