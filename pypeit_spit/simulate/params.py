"""
Every range the simulator draws from, in one place, each with its source.

Sources (see ``shared/design/kast-facts.md``):

- **[PK]** PypeIt 2.0.1 ``pypeit/spectrographs/shane_kast.py``
- **[RAW]** measured on the real Kast blue night 2015-05-19/20 (b1-b29) and the Reticon arc r6
- **[ARX]** PypeIt ``reid_arxiv`` wavelength templates (numbers quoted in kast-facts §2)
- **[JSON]** PypeIt ``arc_lines/sources/kastb_600_PYPIT.json``, ``kastr_600_7500_PYPIT.json``
- **[LICK]** the Lick Kast user's guide
- **[DS]** PypeIt development-suite ``.pypeit`` files
- **[SPIT]** Jankov & Prochaska (2018) training table (per-night class counts)
- **[ASSUMED]** no measurement available; a plausible range chosen to cover the
  unknown (mostly Kast red Hamamatsu, which has no real raw frame here)

Ranges are ``(low, high)`` tuples; "log" in a name means the value is drawn
log-uniformly. Everything in ADU refers to counts above the bias level.
"""

__all__ = ['CAMERAS', 'CLASSES', 'CAMERA', 'SETUPS', 'LAMP_SLOTS', 'LAMP_IONS', 'RANGES',
           'NIGHT', 'FAULTS', 'STANDARD_NAMES']

#: The three simulated cameras (PypeIt spectrograph names).
CAMERAS = ('shane_kast_blue', 'shane_kast_red', 'shane_kast_red_ret')

#: True classes, in SPIT's label order (``spit/labels.py``: bias=0, science=1, standard=2,
#: arc=3, flat=4).
CLASSES = ('bias', 'science', 'standard', 'arc', 'flat')

#: Per-camera facts that PypeIt does not carry (window sizes, bias levels, noise
#: measurements, dates). Detector sections, gain, read noise, orientation and saturation
#: come from PypeIt itself (:mod:`pypeit_spit.simulate.detector`).
CAMERA = {
    'shane_kast_blue': dict(
        prefix='b', version='kastb', dsensor='Fairchild CCD 3041 2Kx2K', dnaxis=(2048, 2110),
        ncols=2112,                     # [RAW] NAXIS1
        cameraid=19, readspd=80, geomcode=6, ampsrow=2, tempdet=192.7,        # [RAW]
        # spatial window rows: 350 measured on every 2015 frame [RAW]; other windows up to
        # the unvignetted 337 px slit plus margins [LICK obsHints] -> [ASSUMED] 260-450
        nspat_typical=350, nspat=(260, 450), p_typical_window=0.7,
        bias=(930.0, 990.0),            # [RAW] 941-966 over the night, two amps
        amp_offset=(-30.0, 30.0),       # [RAW] amp2 - amp1 = +22 ADU; sign/size [ASSUMED]
        bias_drift=(-5.0, 5.0),         # [RAW] overscan drifts 941-949 over a night
        ronoise_scale=(0.85, 1.1),      # [RAW] 3.3-3.4 e- measured vs 3.7 e- [PK]
        edge_col_offset=(-15.0, -5.0),  # [RAW] first/last data column 8-13 ADU low
        slit_px=(250.0, 337.0),         # [RAW] lit rows 23-328 (306 px); [LICK] 145" = 337 px
        cr_rate=(0.03, 0.07),           # [RAW] ~40 CR groups / 1200 s / 0.72 Mpx -> 0.047 /s/Mpx
        years=(2008, 2024),             # [SPIT] 2008-2016 nights; blue arm unchanged since
        sky_scale=1.0,
    ),
    'shane_kast_red': dict(
        prefix='r', version='kastr', dsensor='2k x 4k Hamamatsu', dnaxis=(1024, 4096),
        cameraid=11, readspd=160, geomcode=1, ampsrow=2, tempdet=-115.0,       # [PKdep][LICK]
        # spectral window: PypeIt full-detector templates have 2725 px [ARX]; "spectrum covers
        # rows 760-3310" of 4096 [LICK hw_detectors]; windows up to the full 4096 [ASSUMED]
        nspec_typical=2725, nspec=(2300, 4096), p_typical_window=0.6,
        lit_spec=(2450, 2650),          # [LICK] 2550 lit rows, a mask blocks the rest
        # spatial data columns and CRVAL1U (window start): [LICK obsHints] suggests 410 px
        # windows; amp split at sensor column 512 [PK] -> [ASSUMED] 300-480 px, start 200-400
        nspat=(300, 480), crval1u=(200, 400), cover=(32, 32),
        bias=(500.0, 2500.0),           # [ASSUMED] no real Hamamatsu frame
        amp_offset=(-40.0, 40.0),       # [ASSUMED]
        bias_drift=(-5.0, 5.0),         # [ASSUMED] like blue
        ronoise_scale=(0.9, 1.3),       # [ASSUMED] around PypeIt's 3.8 e-
        edge_col_offset=(-10.0, 5.0),   # [ASSUMED]
        slit_px=(280.0, 337.0),         # [LICK] 145" / 0.43"/px
        cr_rate=(0.08, 0.2),            # [LICK] thick chip "very sensitive to cosmic rays"
        years=(2016.8, 2025),           # [LICK] Hamamatsu since Sept 2016
        sky_scale=3.0,
    ),
    'shane_kast_red_ret': dict(
        prefix='r', version='kastr', dsensor='Ret 400x1200', dnaxis=(1200, 400),
        ncols=1232,                     # [RAW r6] NAXIS1
        cameraid=11, readspd=160, geomcode=1, ampsrow=1, tempdet=-115.0,       # [RAW r6]
        nspat_typical=250, nspat=(200, 400), p_typical_window=0.7,             # [RAW r6] 250 rows
        bias=(1100.0, 1200.0),          # [RAW r6] overscan 1137
        data_offset=(5.0, 15.0),        # [RAW r6] data baseline 1148 vs overscan 1137
        amp_offset=(0.0, 0.0),          # one amplifier [PK]
        bias_drift=(-5.0, 5.0),         # [ASSUMED] like blue
        ronoise_scale=(1.0, 1.5),       # [RAW r6] overscan 5.9 ADU ~ 18 e- vs 12.5 e- [PK]
        edge_col_offset=(-25.0, -15.0), # [RAW r6] column 1201 ~ 1115 vs 1137
        slit_px=(170.0, 240.0),         # [LICK] 145" / 0.774"/px = 187 px; r6 window 250 rows
        cr_rate=(0.03, 0.1),            # [ASSUMED] 27 um pixels, thinned CCD
        years=(2008, 2016.6),           # [SPIT][LICK] Reticon before Sept 2016
        sky_scale=3.0,
    ),
}

#: Dispersers in use per camera. ``wave`` = (first, last) wavelength in Angstrom over
#: ``npix`` pixels of the PypeIt template or solution; ``weight`` = how often a night uses
#: it; ``dichroics`` = BSPLIT_N choices; ``tilt`` = GRTILT_P range (red).
SETUPS = {
    'shane_kast_blue': [
        # [ARX][JSON] 600/4310: b1 Legendre fit 3428 -> 5516 A over 2048 columns
        dict(name='600/4310', wave=(3428.0, 5516.0), npix=2048, curv=36.3, weight=0.5,
             dichroics=('d55', 'd57', 'd46'), blaze=4340.0),
        dict(name='452/3306', wave=(3099.0, 5980.0), npix=2048, curv=50.0, weight=0.25,
             dichroics=('d57', 'd55'), blaze=4780.0),                          # [ARX][LICK]
        dict(name='830/3460', wave=(3272.0, 4562.0), npix=2048, curv=20.0, weight=0.25,
             dichroics=('d46',), blaze=3880.0),                                # [ARX][LICK]
    ],
    'shane_kast_red': [
        dict(name='600/7500', wave=(5435.0, 8852.0), npix=2680, curv=40.0, weight=0.35,
             dichroics=('d57', 'd55'), tilt=(10700, 10900), blaze=7500.0),    # [ARX][DS]
        dict(name='300/7500', wave=(5173.0, 12051.0), npix=2725, curv=80.0, weight=0.25,
             dichroics=('d57', 'clear', 'd55'), tilt=(3700, 3900), blaze=7500.0),
        dict(name='1200/5000', wave=(4598.0, 6337.0), npix=2725, curv=20.0, weight=0.2,
             dichroics=('d57', 'd46'), tilt=(24700, 24800), blaze=5000.0),
        # 600/5000: no template [PK]; dispersion as 600/7500 [ASSUMED], centred 5600 A
        dict(name='600/5000', wave=(3900.0, 7300.0), npix=2680, curv=40.0, weight=0.2,
             dichroics=('d46', 'd55'), tilt=(9950, 10000), blaze=5000.0),
    ],
    'shane_kast_red_ret': [
        # [JSON kastr] Reticon 600/7500: 5373 -> 8174 A over 1199 px
        dict(name='600/7500', wave=(5373.0, 8174.0), npix=1199, curv=30.0, weight=0.5,
             dichroics=('d55', 'd46'), tilt=(10700, 10900), blaze=7500.0),
        # 1200/5000 as in r6 (tilt 25499) [RAW]; 0.64 A/15um -> 1.15 A/27um px [ASSUMED]
        dict(name='1200/5000', wave=(5200.0, 6580.0), npix=1200, curv=15.0, weight=0.3,
             dichroics=('d55',), tilt=(25400, 25600), blaze=5000.0),
        dict(name='300/7500', wave=(5000.0, 10480.0), npix=1200, curv=60.0, weight=0.2,
             dichroics=('d55', 'clear'), tilt=(3700, 3900), blaze=7500.0),   # [ASSUMED] 4.6 A/px
    ],
}

#: Lamp slots: header letter -> LAMPNAMx value [RAW]. 1-5 are flat-field lamps, A-K line lamps.
LAMP_SLOTS = {'1': 'Blue', '2': 'Red', '3': 'Spare3', '4': 'Spare4', '5': 'Sup_Blue',
              'A': 'Spare1', 'B': 'Spare2', 'C': 'Spare3', 'D': 'Spare_Ar', 'E': 'Dim_Neon',
              'F': 'He', 'G': 'Hg-Cd', 'H': 'Hg-A', 'I': 'Spare9', 'J': 'Neon', 'K': 'Laser'}

#: PypeIt line lists lit by each line-lamp slot (``arc_lines/lists/<ion>_lines.dat``), and a
#: relative lamp brightness.
LAMP_IONS = {'D': (('ArI', 1.0),), 'E': (('NeI', 0.1),), 'F': (('HeI', 1.0),),
             'G': (('HgI', 1.0), ('CdI', 1.0)), 'H': (('HgI', 1.0), ('ArI', 0.5)),
             'J': (('NeI', 1.0),)}

RANGES = {
    # --- exposure times (s); PypeIt Kast windows [PK]: bias <= 0.001, arc <= 61,
    # standard 1 < t <= 61, science > 61, flat > 0
    'exptime_arc_blue': (5, 60),        # [RAW] 30 s; [DS] 15-30 s blue
    'exptime_arc_red': (1, 30),         # [RAW r6] 2 s; [DS] 1-8 s red (one 60 s)
    'exptime_flat_blue': (5, 40),       # [RAW] 15 s, one 30 s; [DS] 20-30 s
    'exptime_flat_red': (1, 15),        # [DS] 1-10 s
    'exptime_standard': (3, 60),        # [RAW] 30 s; [DS] 30-180 s (>61 s typed science by PypeIt)
    'exptime_science': (100, 3600),     # [DS] 100-1200 s; [SPIT] nights up to 1 h [ASSUMED top]
    'exptime_dark': (60, 900),          # fault: a dark typed as bias [ASSUMED]
    'exptime_twilight': (2, 40),        # twilight flats [ASSUMED]
    # --- arcs
    'arc_peak_log': (3000.0, 1.2e5),    # brightest line, ADU [RAW] 16356 (blue 30 s), 29200 (r6 2 s); >65535 saturates
    'arc_lamp_ratio_log': (0.3, 3.0),   # second lamp vs first [ASSUMED]
    'arc_continuum_frac': (0.001, 0.01),  # inter-line level / brightest [RAW] 46/16356
    'arc_failed_peak': (0.0, 150.0),    # failed lamp: brightest line, ADU [ASSUMED]
    'p_arc_failed': 0.05,               # [ASSUMED]
    'arc_slit_fwhm_px': (1.5, 3.5),     # [RAW] 0.5" slit: blue ~3 px, Reticon 1-2 px
    'line_tilt_px': (-3.0, 3.0),        # line tilt end-to-end along slit [ASSUMED]
    'line_curv_px': (0.0, 2.0),         # line curvature along slit [ASSUMED]
    # --- flats
    'flat_peak_log': (3000.0, 45000.0), # [RAW] 34000 at 15 s (blue)
    'flat_saturated_peak': (70000.0, 1.2e5),  # [RAW] 30 s flat saturates (65535, median 17000); capped so that most of the slit stays below saturation
    'p_flat_saturated': 0.1,            # [RAW] 1 of 12 flats that night
    'lamp_temp_k': (2800.0, 3400.0),    # quartz lamp colour temperature [ASSUMED]
    'p_superblue': 0.6,                 # [RAW] blue flats use Sup_Blue only
    'scatter_frac': (0.003, 0.015),     # [RAW] 230-500 ADU outside slit at 34000 peak
    'prnu': (0.003, 0.012),             # pixel response non-uniformity [ASSUMED]
    'p_twilight': 0.08,                 # share of simulated flats that are twilight (in-memory path) [SPIT notes]
    # --- sky, traces
    'sky_level_log': (10.0, 80.0),      # ADU/px at continuum peak in 1200 s [RAW] 8-43 (blue) x camera sky_scale
    'sky_line_scale_log': (0.3, 3.0),   # sky line strength vs continuum [ASSUMED]
    'p_moon': 0.25,                     # bright-time continuum [ASSUMED]
    'seeing_fwhm_arcsec': (1.0, 3.5),   # [RAW] 2.2" standard trace; Lick seeing [ASSUMED]
    'trace_drift_px': (-10.0, 10.0),    # [RAW] 6 rows over 2000 columns
    'science_peak_log': (3.0, 400.0),   # trace peak ADU [RAW] 8-90 (1200 s QSO)
    'p_no_continuum': 0.15,             # science with no visible continuum [issue]
    'p_emission': 0.2,                  # science with emission lines on the trace [SPIT abstract]
    'n_traces': (1, 3),                 # science traces [issue]
    'standard_peak_log': (400.0, 50000.0),  # [RAW] 260-2970 ADU (Feige 66, 30 s)
    'p_dusk_standard': 0.25,            # standards in twilight [issue]
    'dusk_sky_log': (50.0, 3000.0),     # twilight sky continuum, ADU [ASSUMED]
    # --- detector cosmetics
    'n_bad_columns': (0, 4),            # [ASSUMED]
    'bad_column_level': (-300.0, 3000.0),  # ADU; dead (<0) or hot [ASSUMED]
    'p_bad_row': 0.05,                  # [ASSUMED]
    'bias_row_pattern': (0.0, 1.0),     # [RAW] row medians within +/-1 ADU
    'bias_gradient': (-3.0, 3.0),       # along rows, ADU [ASSUMED]
    'signal_coupling': (0.0, 0.0015),   # bias rise per ADU of mean signal [RAW] amp2 +16 with bright flats
    'cr_amp_log': (80.0, 20000.0),      # CR peak ADU [ASSUMED]
    'cr_len_px': (1, 6),                # CR track length [ASSUMED]
    'readout_s': 30.0,                  # CRs gathered during readout [ASSUMED]
    'vignette': (0.0, 0.3),             # light loss at spectral ends [ASSUMED]
    # layout variety for generalization (sim-to-real lessons) [ASSUMED]
    'p_short_slit': 0.15,               # nights whose slit covers only part of the window
    'short_slit_fraction': (0.25, 0.6),  # ... as a fraction of the window's rows
    'p_spec_cut': 0.15,                 # nights whose lit spectral range stops short of an end
    'spec_cut_fraction': (0.55, 0.95),  # ... as a fraction of the spectral length
    'slit_edge_shift_px': (-4.0, 4.0),  # [RAW] slit edges shift +/-4 rows blue->red
    'slit_edge_width_px': (1.0, 4.0),   # [ASSUMED]
    'slit_gradient': (-0.15, 0.15),     # illumination gradient along slit [ASSUMED]
    'wave_shift_px': (-40.0, 40.0),     # setup-to-setup wavelength shift [PKdep] tilt steps
}

#: Frames per class in one night of one camera: (low, high) of a uniform integer draw,
#: roughly half of [SPIT] per-night numbers for both arms (flats 37, science 24, bias 21,
#: standards 9, arcs 6 median); ``p_no_bias`` = share of nights without biases (11/35).
NIGHT = {'bias': (5, 15), 'arc': (2, 6), 'flat': (8, 30), 'standard': (2, 8),
         'science': (4, 20), 'p_no_bias': 0.3}

#: Header faults that real nights suffer, by true class. Each is a frame whose header
#: lies; the pixels follow the true class (see :mod:`pypeit_spit.simulate.header`).
FAULTS = {
    'bias': ('dark_as_bias',),
    'arc': ('lamp_cards_off', 'arc_too_long'),
    'flat': ('lamp_cards_off', 'twilight_flat'),
    'science': ('lamps_left_on', 'short_science'),
    'standard': ('lamps_left_on', 'long_standard'),
}

#: Spectrophotometric standards observed with Kast or reachable from Lick, as named in
#: PypeIt's ``standards/calspec/calspec_info.txt`` ([STD]; kast-facts §8), with the OBJECT
#: spellings observers used. Keys are catalogue names without spaces and '+'.
STANDARD_NAMES = {
    'FEIGE66': ('Feige 66', 'Feige66'), 'FEIGE34': ('Feige34', 'Feige 34'),
    'G191B2B': ('G191b2b', 'G191B2B'), 'BD284211': ('BD284211', 'bd284211', 'BD+28 4211'),
    'FEIGE110': ('Feige 110', 'Feige110'), 'HZ44': ('HZ 44', 'HZ44'),
    'BD332642': ('BD+33 2642', 'BD332642'), 'FEIGE67': ('Feige 67',),
    'BD262606': ('BD+26 2606',), 'BD174708': ('BD+17 4708', 'BD174708'),
    'HZ21': ('HZ 21',), 'GD71': ('GD71', 'GD 71'),
}
