"""
``generic``: a randomized long-slit pseudo-instrument that PypeIt does not know.

Domain randomization for frames of unknown instruments (read without a spectrograph):
every night draws a new detector (size, spectral axis along x or y, flips, 1/2/4
amplifiers with their own bias levels, pre-scan and overscan strips or none), a new file
layout (image in the primary HDU, in an extension, or one extension per amplifier), a
new disperser (dispersion, central wavelength), slit length, plate scale, telescope,
lamp mix from PypeIt's line lists, curved or tilted spectra, and sometimes two spectral
orders on the detector (like LCO FLOYDS). Ranges: :data:`~pypeit_spit.simulate.params.GENERIC_RANGES`.
PypeIt's typing rules do not apply: headers carry common cards (``OBJECT``,
``EXPTIME``, sometimes ``IMAGETYP``) only for realism.
"""
from dataclasses import replace

import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat, sexagesimal
from pypeit_spit.simulate.params import GENERIC_RANGES
from pypeit_spit.simulate.rawformat import DetMap, HDUSpec, RawMap

__all__ = ['Generic', 'warp_rows']

_G = GENERIC_RANGES


def warp_rows(img, dy):
    """
    Shift every column of an image along the rows by ``dy[column]`` (linear interpolation).

    Parameters
    ----------
    img : `numpy.ndarray`
        ``(nspat, nspec)``.
    dy : `numpy.ndarray`
        Shift (rows) per column.

    Returns
    -------
    `numpy.ndarray` of float32
    """
    nr = img.shape[0]
    y = np.arange(nr, dtype=np.float32)[:, None] - dy[None, :].astype(np.float32)
    y0 = np.floor(y)
    f = (y - y0).astype(np.float32)
    i0 = np.clip(y0.astype(np.int64), 0, nr - 1)
    i1 = np.clip(i0 + 1, 0, nr - 1)
    a = np.take_along_axis(img, i0, axis=0)
    b = np.take_along_axis(img, i1, axis=0)
    out = a * (1 - f) + b * f
    out[(y < 0) | (y > nr - 1)] = 0.0
    return out.astype(np.float32)


def _curve(nspec, tilt, curv):
    u = np.linspace(-1, 1, nspec, dtype=np.float32)
    return (0.5 * tilt * u + curv * (u * u - 1.0 / 3.0)).astype(np.float32)


class _NoCosmics:
    """Levels of a second spectral order: as the first, without cosmic rays."""

    def __init__(self, levels):
        self._l = levels
        self.adu, self.cr_amp, self.cr_len = levels.adu, levels.cr_amp, levels.cr_len

    def __getattr__(self, key):
        return getattr(self._l, key)

    def cr_rate(self, rng):
        return 0.0


class Generic(InstrumentFormat):
    """The randomized pseudo-instrument (files ``gen<nnnn>.fits``)."""
    name = 'generic'

    @property
    def spec(self):
        return None

    @property
    def p(self):
        return dict(prefix='gen', binning=(((1, 1), 1.0),))

    def exprng(self, ftype):
        return [None, None]

    def meta_card(self, key):
        return None

    def faults(self, cls):
        return ()

    def platescale(self, geom, det=1):
        return geom['plate']

    def draw_geometry(self, rng, variety=True):
        spec_x = bool(rng.random() < _G['p_spec_along_x'])
        nspec = int(rng.integers(*_G['nspec']))
        nspat = int(rng.integers(*_G['nspat']))
        namps = int(_pick(rng, _G['n_amps']))
        geom = dict(
            binning=(1, 1), nspec=nspec, nspat=nspat, spec_x=spec_x,
            specflip=bool(rng.random() < _G['p_flip']), spatflip=bool(rng.random() < _G['p_flip']),
            namps=namps,
            overscan=int(rng.integers(*_G['overscan'])) if rng.random() < _G['p_overscan'] else 0,
            prescan=int(rng.integers(*_G['prescan'])) if rng.random() < _G['p_prescan'] else 0,
            hdus=('per_amp' if namps > 1 and rng.random() < 0.5 else 'ext')
            if rng.random() < _G['p_multi_hdu'] else 'primary',
            gain=float(np.round(rng.uniform(*_G['gain']), 3)),
            ron=float(np.round(rng.uniform(*_G['ronoise_e']), 2)),
            plate=float(np.round(rng.uniform(*_G['plate']), 3)),
            seed=int(rng.integers(0, 2**31)))
        if geom['overscan'] < 3 and namps > 1:
            geom['overscan'] = 8
        return geom

    def night_params(self, geom):
        rng = np.random.default_rng(geom['seed'])
        # the spectrum must fit in 3000-12000 A (a real disperser and detector)
        disp = float(rng.uniform(_G['disp'][0], min(_G['disp'][1], 8500.0 / geom['nspec'])))
        half = disp * geom['nspec'] / 2
        cw = float(np.clip(rng.uniform(*_G['cwave']), 3000.0 + 0.6 * half, 12000.0 - half))
        lamps = _G['lamps'][int(rng.integers(len(_G['lamps'])))]
        lat = float(rng.uniform(-35, 50))
        return dict(
            prefix='gen', years=_G['years'], arm=None,
            gratings=[dict(name=f'{int(round(5000 / disp / 10)) * 10}l/mm', disp=disp,
                           cwave=(cw, cw), blaze=float(cw * rng.uniform(0.8, 1.2)), weight=1.0)],
            deckers=(('slit', float(np.round(rng.uniform(0.5, 3.0), 1)), 1.0),),
            slit_length=float(rng.uniform(*_G['slit_length'])),
            bias=tuple(float(v) for v in np.sort(rng.uniform(*_G['bias'], 2))),
            ronoise_scale=(1.0, 1.0),
            arc_lamps=(dict(ions=lamps, weight=1.0),),
            exptime=dict(arc=(0.5, 300), flat=(0.5, 120), standard=(5, 300), science=(60, 3600)),
            seeing=(0.6, 2.5), cr_rate=(0.01, 0.15), cr_len=(1, 12),
            telescope=dict(diameter=float(rng.uniform(*_G['diameter'])), latitude=lat,
                           longitude=float(rng.uniform(-180, 180))),
            curved=bool(geom.get('curved', rng.random() < _G['p_curved'])),
            two_orders=bool(geom.get('two_orders', rng.random() < _G['p_two_orders'])),
            imagetyp=bool(rng.random() < 0.6))

    # -- layout: built directly (no PypeIt reader to learn from)
    def _assembled(self, geom):
        if geom['spec_x']:
            H, W = geom['nspat'], geom['nspec']
        else:
            H, W = geom['nspec'], geom['nspat']
        namps = geom['namps']
        nx, ny = (2, 2) if namps == 4 else (namps, 1)
        P, O = geom['prescan'], geom['overscan']
        return H, W, nx, ny, P, O

    def layout(self, geom, cards):
        H, W, nx, ny, P, O = self._assembled(geom)
        ncol = P + W + nx * O
        h0 = fits.Header()
        if geom['hdus'] == 'primary':
            return [HDUSpec(h0, (H, ncol))]
        if geom['hdus'] == 'ext':
            return [HDUSpec(h0, None), HDUSpec(fits.Header({'EXTNAME': 'SCI'}), (H, ncol))]
        specs = [HDUSpec(h0, None)]
        for ky in range(ny):
            for kx in range(nx):
                h = fits.Header({'EXTNAME': f'AMP{ky * nx + kx + 1}'})
                specs.append(HDUSpec(h, (H // ny, P + W // nx + O)))
        return specs

    def raw_map(self, geom, cards):
        H, W, nx, ny, P, O = self._assembled(geom)
        ncol = P + W + nx * O
        data_amp = np.zeros((H, ncol), dtype=np.int8)
        osc_amp = np.zeros((H, ncol), dtype=np.int8)
        rows = np.arange(H)
        ky = np.minimum(rows * ny // H, ny - 1)
        for kx in range(nx):
            c0, c1 = P + kx * W // nx, P + (kx + 1) * W // nx
            amp = (1 + kx + nx * ky).astype(np.int8)
            data_amp[:, c0:c1] = amp[:, None]
            if O:
                osc_amp[:, P + W + kx * O:P + W + (kx + 1) * O] = amp[:, None]
        specs = self.layout(geom, cards)
        idx = np.arange(H * ncol, dtype=np.int64).reshape(H, ncol)
        src = []
        for s in specs:
            src.append(None if s.shape is None else None)
        if geom['hdus'] in ('primary', 'ext'):
            src[-1] = idx.ravel().astype(np.int32)
        else:
            k = 1
            for jy in range(ny):
                r0, r1 = jy * H // ny, (jy + 1) * H // ny
                for jx in range(nx):
                    cols = np.concatenate([np.arange(P), np.arange(P + jx * W // nx, P + (jx + 1) * W // nx),
                                           np.arange(P + W + jx * O, P + W + (jx + 1) * O)]).astype(np.int64)
                    block = idx[r0:r1][:, cols]
                    if block.shape != specs[k].shape:
                        block = block[:specs[k].shape[0], :specs[k].shape[1]]
                    src[k] = block.ravel().astype(np.int32)
                    k += 1
        specaxis = 1 if geom['spec_x'] else 0
        d = DetMap(det=1, shape=(H, ncol), offset=0, data_amp=data_amp, osc_amp=osc_amp,
                   box=(slice(0, H), slice(P, P + W)), specaxis=specaxis,
                   specflip=geom['specflip'], spatflip=geom['spatflip'],
                   nspec=geom['nspec'], nspat=geom['nspat'],
                   gain=(geom['gain'],) * (nx * ny), ronoise=(geom['ron'],) * (nx * ny),
                   saturation=65535.0)
        fill = [None if s is None else (0, 1) for s in src]
        return RawMap(dets=[d], hdu_shapes=[s.shape for s in specs], src=src, fill=fill,
                      scene_shape=(geom['nspat'], geom['nspec']), size=H * ncol)

    # -- scene extras: curved/tilted spectra, a second order
    def finish_context(self, ctx, rng):
        p = ctx.p
        if p['curved']:
            dy = _curve(ctx.nspec, rng.uniform(*_G['tilt_px']), rng.uniform(*_G['curvature_px']))
            ctx.warp = lambda img, dy=dy: warp_rows(img, dy)
        if p['two_orders']:
            n = ctx.nspat
            lo, hi = ctx.slit['lo'], ctx.slit['hi']
            length = min(hi - lo, 0.45 * n)
            ctx.slit.update(lo=0.55 * n, hi=0.55 * n + length)
            wave2 = ctx.wave / 2.0 + rng.uniform(-200, 200)     # second order: half the dispersion
            slit2 = dict(ctx.slit, lo=0.05 * n, hi=0.05 * n + length)
            sub = replace(ctx, wave=wave2, slit=slit2, _cache={})
            sub._cache['levels'] = _NoCosmics(ctx.levels)
            dy2 = _curve(ctx.nspec, rng.uniform(*_G['tilt_px']), -rng.uniform(*_G['curvature_px']))
            sub.warp = lambda img, dy=dy2: warp_rows(img, dy)
            ctx.extra_orders = [sub]

    # -- headers
    def class_meta(self, cls, fault=None, lamps=None, rng=None, frame=None):
        return {}

    def frame_cards(self, frame):
        t = Time(frame.mjd, format='mjd')
        geom = frame.geom
        cards = {}
        hdr = 0
        self.put(cards, hdr, 'OBJECT', frame.target, 'Object name')
        self.put(cards, hdr, 'EXPTIME', float(np.round(frame.exptime, 2)), 'Exposure time (s)')
        self.put(cards, hdr, 'DATE-OBS', t.isot[:23], 'UT start')
        self.put(cards, hdr, 'MJD-OBS', float(np.round(frame.mjd, 6)), '')
        self.put(cards, hdr, 'RA', sexagesimal(frame.ra, True), '')
        self.put(cards, hdr, 'DEC', sexagesimal(frame.dec, False, 1, True), '')
        self.put(cards, hdr, 'AIRMASS', float(np.round(frame.airmass, 3)), '')
        self.put(cards, hdr, 'INSTRUME', 'SIMSPEC', 'Simulated spectrograph')
        self.put(cards, hdr, 'GAIN', geom['gain'], 'e-/ADU')
        self.put(cards, hdr, 'RDNOISE', geom['ron'], 'e-')
        if frame.get('imagetyp', True):
            typ = {'bias': 'BIAS', 'arc': 'ARC', 'flat': 'FLAT', 'science': 'OBJECT',
                   'standard': 'STANDARD'}[frame.cls]
            self.put(cards, hdr, 'IMAGETYP', typ, 'Image type')
        return cards

    def lamp_cards_label(self, meta):
        return ''

    @property
    def data_hdu(self):
        return 0

    def file_name(self, seq, frame):
        return f'gen{seq:04d}{self.suffix}'


def _pick(rng, pairs):
    vals = [v for v, _ in pairs]
    w = np.asarray([q for _, q in pairs], dtype=float)
    return vals[int(rng.choice(len(vals), p=w / w.sum()))]

