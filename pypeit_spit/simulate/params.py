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
- **[1.4]** kast-facts section 1.4: headers and pixel levels of 46 real 2017-18 Kast frames
  (blue 2Kx2K and red Hamamatsu; 452/3306, 300/7500, d57), facts only (not fitted)
- **[ASSUMED]** no measurement available; a plausible range chosen to cover the
  unknown (mostly Kast red Hamamatsu, which has no real raw frame here)

Ranges are ``(low, high)`` tuples; "log" in a name means the value is drawn
log-uniformly. Everything in ADU refers to counts above the bias level.
"""

from pypeit_spit.vocab import CLASSES  # noqa: F401  (the true classes, in the network's order)

__all__ = ['SIMULATOR_VERSION', 'CAMERAS', 'CLASSES', 'LAMP_SLOTS', 'LAMP_IONS', 'RANGES',
           'NIGHT', 'FAULTS', 'STANDARD_NAMES', 'LONGSLIT', 'GENERIC', 'SPECTROGRAPHS',
           'PHOTON', 'LAYOUT', 'INSTRUMENTS', 'GENERIC_RANGES', 'BIAS_ADU']

#: Version of the simulator's output: raise it whenever a change makes the same
#: ``(seed, spectrograph, night)`` give other frames, so that datasets built from the
#: simulator (:mod:`pypeit_spit.training.factory`) are refused rather than mixed.
SIMULATOR_VERSION = 1

#: The three simulated cameras (PypeIt spectrograph names).
CAMERAS = ('shane_kast_blue', 'shane_kast_red', 'shane_kast_red_ret')

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
    # --- exposure times (s), within PypeIt's Kast windows (read from PypeIt; arc and
    # flat ranges per camera in INSTRUMENTS)
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
    'scatter_frac': (0.003, 0.015),     # [RAW] 230-500 ADU outside slit at 34000 peak
    'prnu': (0.003, 0.012),             # pixel response non-uniformity [ASSUMED]
    'p_twilight': 0.08,                 # share of simulated flats that are twilight (in-memory path) [SPIT notes]
    # --- sky, traces
    'sky_level_log': (10.0, 80.0),      # ADU/px at continuum peak in 1200 s [RAW] 8-43 (blue) x camera sky_scale, x dispersion / 1.02 A/px; [1.4] science medians 30-200 above overscan
    'sky_line_scale_log': (0.3, 5.0),   # sky line strength vs continuum; strong lines under faint traces read like arcs [issue 10] [ASSUMED]
    'moon_factor': (0.5, 5.0),          # moonlit continuum / dark continuum [ASSUMED]
    'p_moon': 0.25,                     # bright-time continuum [ASSUMED]
    'seeing_fwhm_arcsec': (1.0, 3.5),   # [RAW] 2.2" standard trace; Lick seeing [ASSUMED]
    'trace_drift_px': (-10.0, 10.0),    # [RAW] 6 rows over 2000 columns
    'science_peak_log': (3.0, 400.0),   # faint trace peak ADU in 1200 s (scales with exptime) [RAW] 8-90 (1200 s QSO)
    'galaxy_peak_log': (1.0, 60.0),     # extended source surface-brightness peak ADU in 1200 s [ASSUMED]
    # kinds of science targets (scene.SCIENCE_KINDS): faint point, extended galaxy, host +
    # point source, very bright point source (a supernova as bright as a standard), no
    # continuum [issue 10: the unsure and the confidently wrong real frames] [ASSUMED]
    'p_science_kind': (0.42, 0.2, 0.15, 0.1, 0.13),
    'n_extra_traces': (0, 2),           # further (point) traces on a science frame [issue 10]
    'science_temp_k': (3500.0, 20000.0),  # colour temperature of science continua [ASSUMED]
    'standard_temp_k': (8000.0, 40000.0),  # hot standards (sdO, DA, sdB) [STD]
    'emission_z': (0.0, 0.5),           # redshift of emission lines [ASSUMED]
    'emission_strength': (0.5, 20.0),   # emission-line peak / faint-trace peak [ASSUMED]
    'galaxy_scale_arcsec': (0.8, 12.0), # exponential scale length along the slit [ASSUMED]
    'rotation_px': (0.0, 4.0),          # emission-line shift across a galaxy (rotation) [ASSUMED]
    'p_blue_flat_lamp': 0.5,            # flats with a hot blue lamp beside the quartz ([RAW] Sup_Blue) [ASSUMED]
    'p_emission': 0.2,                  # science with emission lines on the trace [SPIT abstract]
    'standard_peak_log': (400.0, 50000.0),  # [RAW] 260-2970 ADU (Feige 66, 30 s)
    'p_dusk_standard': 0.6,             # standards with a bright (twilight) sky: both documented standard nights had one -- [RAW] sky 4-17 ADU in 30 s (kast-facts 7), [1.4] Feige 34 in evening twilight; [issue 10]
    'dusk_sky_log': (2.0, 2000.0),      # twilight sky continuum peak, ADU per 30 s (scales with exptime): [RAW] 4-17 ADU in 30 s (kast-facts 7); [1.4] blue 195 s standard median 1660, red 180 s 640 above overscan
    # --- detector cosmetics
    'n_bad_columns': (0, 4),            # [ASSUMED]
    'bad_column_level': (-300.0, 3000.0),  # ADU; dead (<0) or hot [ASSUMED]
    'p_bad_row': 0.05,                  # [ASSUMED]
    'bias_row_pattern': (0.0, 1.0),     # [RAW] row medians within +/-1 ADU
    'bias_gradient': (-3.0, 3.0),       # along rows, ADU [ASSUMED]
    'signal_coupling': (0.0, 0.0015),   # bias rise per ADU of mean signal [RAW] amp2 +16 with bright flats
    'cr_amp_log': (80.0, 20000.0),      # CR peak ADU [ASSUMED]
    'cr_len_px': (1, 6),                # CR track length (default; per camera in CAMERA) [ASSUMED]
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

# Kast binning (spectral, spatial). PypeIt reads no binning card for Kast (always
# '1,1' [PK]) and real headers carry none [RAW]; a binned read-out is written with
# CDELT1U/CDELT2U = binning (sensor pixels per raw pixel, the cards' meaning) and
# the real binned layout, which PypeIt's fixed sections then misread [ASSUMED]
_KAST_BINNING = (((1, 1), 0.75), ((1, 2), 0.1), ((2, 1), 0.05), ((2, 2), 0.1))

# What the two red cameras (Hamamatsu and Reticon) share: the red arm's lamps (line-lamp
# slots of arcs [RAW r6][DS], flat lamps [DS]) and exposure ranges.
_KAST_RED_ARM = dict(
    arm='red', binning=_KAST_BINNING,
    exptime=dict(arc=(1, 30),       # [RAW r6] 2 s; [DS] 1-8 s red (one 60 s)
                 flat=(1, 15)),     # [DS] 1-10 s
    arc_slots=dict(sets=(('H', 'J'), ('F', 'H', 'J'), ('G', 'H', 'J'), ('E', 'H'), ('D', 'H', 'J'),
                         ('F', 'G', 'H', 'J')), weights=(0.5, 0.1, 0.1, 0.1, 0.1, 0.1)),
    flat_slots=dict(sets=(('2',), ('1', '2'), ('1',), ('5',)), weights=(0.5, 0.25, 0.1, 0.15)),
)

#: Frames per class in one night of one camera: (low, high) of a uniform integer draw,
#: roughly half of [SPIT] per-night numbers for both arms (flats 37, science 24, bias 21,
#: standards 9, arcs 6 median); ``p_no_bias`` = share of nights without biases (11/35).
NIGHT = {'bias': (5, 15), 'arc': (2, 6), 'flat': (8, 30), 'standard': (2, 8),
         'science': (4, 20), 'p_no_bias': 0.3}

#: Header faults that real nights suffer, by true class (Kast; the long-slit
#: spectrographs' own lists are in :data:`INSTRUMENTS`). Each is a frame whose header
#: lies (see :mod:`pypeit_spit.simulate.header`); the faults of :data:`PIXEL_FAULTS`
#: also make its pixels unlike its class's usual ones.
FAULTS = {
    'bias': ('dark_as_bias',),
    'arc': ('lamp_cards_off', 'arc_too_long'),
    'flat': ('lamp_cards_off', 'twilight_flat'),
    'science': ('lamps_left_on', 'short_science'),
    'standard': ('lamps_left_on', 'long_standard'),
}

#: The faults that change a frame's pixels as well as its header, each toward another
#: class: a dark labelled bias has dark current, an arc exposed too long saturated
#: lines, a twilight flat is sky, a short science exposure is nearly a bias, a long
#: standard has a science frame's sky and cosmic rays. The others (lamp cards,
#: ``wrong_object``, the LRIS hatch cards) leave the pixels as the class makes them.
PIXEL_FAULTS = ('dark_as_bias', 'arc_too_long', 'twilight_flat', 'short_science',
                'long_standard')

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


# =====================================================================================
# Long-slit spectrographs beyond Kast
# =====================================================================================
#
# Sources (besides those above):
#
# - **[PK <module>]** PypeIt 2.0.1 ``pypeit/spectrographs/<module>.py``: card names,
#   frame-typing rules (``check_frame_type``), exposure windows, sections, lamps. Only
#   the *values* the rules compare cards with are written here; card names, sections,
#   gains, orientation, exposure windows and lamps are read from PypeIt at run time.
# - **[HDR]** the headers (card names, value formats, shapes) of real frames of that
#   instrument in ``shared/realframes`` -- formats only, no pixel level is fitted.
# - **[KECK-LRIS]** www2.keck.hawaii.edu/inst/lris/dispersive_elements.html (grism
#   dispersions and long-slit ranges, measured).
# - **[GEMINI]** Gemini GMOS pages: "inter-chip gaps ... 61 pixels (GMOS-S), 67 pixels
#   (GMOS-N) unbinned"; dispersion along rows.
# - **[KAST]** derived from the Kast measurements above (photon model reference).
# - **[ASSUMED]** a plausible range, from general knowledge of the instrument (manuals
#   recalled, not re-checked here) or chosen wide on purpose.

#: Every spectrograph the simulator supports: the three Kast cameras, the long-slit
#: spectrographs below, and ``generic`` (a randomized pseudo-instrument PypeIt does not
#: know).
LONGSLIT = ('keck_lris_blue', 'keck_lris_red', 'wht_isis_blue', 'wht_isis_red',
            'p200_dbsp_blue', 'p200_dbsp_red', 'gemini_gmos_north_ham',
            'gemini_gmos_south_ham', 'ntt_efosc2', 'not_alfosc', 'mmt_bluechannel',
            'lbt_mods1r', 'soar_goodman_red', 'ldt_deveny', 'keck_deimos')
GENERIC = 'generic'
SPECTROGRAPHS = CAMERAS + LONGSLIT + (GENERIC,)

#: Shared ranges of the long-slit scene and read-out (photon model in electrons).
#: Point sources: ``F = star_ref * 10**(-0.4 (m - 10.5)) * (D / 3 m)**2`` e-/s/A at the
#: throughput peak; sky and extended sources: surface brightness in e-/s/A/arcsec^2 for
#: a 3 m telescope, times dispersion (A/px), plate scale and slit width (arcsec).
PHOTON = {
    'star_ref': (300.0, 900.0),         # e-/s/A for V=10.5 on 3 m [KAST] Feige 66, 30 s: ~3000 ADU peak, 5 px FWHM -> ~640
    'sky_rate_log': (0.01, 0.12),       # e-/s/A/arcsec^2 continuum peak, 3 m [KAST] 8-43 ADU/1200 s/1.02 A/0.43"/2" -> ~0.03
    'mag_faint': (16.5, 23.0),          # faint science point sources [ASSUMED]
    'mag_bright': (11.0, 15.5),         # very bright science (supernovae, bright stars) [issue 10] [ASSUMED]
    'mag_standard': (9.5, 14.5),        # spectrophotometric standards [STD] V 9.5-14.7
    # observers expose standards for a trace peak of (ADU), within PypeIt's window:
    'standard_peak_adu': (800.0, 40000.0),  # [KAST] Feige 66 30 s: 260-2970 ADU; [ASSUMED] range
    'sb_galaxy': (19.5, 24.0),          # galaxy surface brightness, mag/arcsec^2 [ASSUMED]
    'sb_dusk': (10.0, 17.5),            # twilight sky surface brightness, mag/arcsec^2 [ASSUMED]
    'arc_peak_sat': (0.05, 1.6),        # brightest arc line / saturation (log-uniform) [KAST] 0.25 (blue 30 s), 0.45 (r6); some saturate [ASSUMED]
    'flat_peak_sat': (0.05, 0.75),      # flat peak / saturation [KAST] 34000/65535 = 0.52 [ASSUMED range]
    'flat_saturated_sat': (1.05, 1.8),  # saturated flats [KAST] 1 of 12
    'cr_amp_adu': (80.0, 20000.0),      # cosmic-ray peak (ADU, log-uniform) [ASSUMED as Kast]
    'anamorphic': (0.7, 1.2),           # slit image width / (slit / plate scale) [ASSUMED]
    'psf_px': (1.3, 3.0),               # optics line FWHM floor, unbinned px [ASSUMED]
    'adc_max': 65535,                   # 16-bit converters
}

#: Layout variety of long-slit nights (domain randomization) [ASSUMED].
LAYOUT = {
    'p_short_slit': 0.12, 'p_spec_cut': 0.15, 'p_gradient': 0.5,
    'bias_gradient_adu': (-6.0, 6.0),    # across the detector
    'amp_step_adu': (-40.0, 40.0),       # between amplifiers of one detector
    'prescan_offset_adu': (-15.0, 15.0), # pre-scan pixels vs overscan
    'n_bad_columns': (0, 3), 'p_dead_column': 0.3, 'hot_column_adu': (10.0, 1500.0),
    'p_bad_row': 0.05, 'p_hot_pixels': 0.5, 'hot_pixel_density': (1e-5, 3e-4),
    'gain_mismatch': (0.985, 1.015),     # per amplifier, on PypeIt's gain
}

#: Bias level range (ADU) of the long-slit instruments: no measurement here, so a broad
#: range of common CCD-controller offsets [ASSUMED]. (First guesses per instrument missed
#: the real ISIS and DBSP-blue levels, 2170 and 3136 ADU, seen only when validating; the
#: broad range replaced them rather than a fit to those frames.)
BIAS_ADU = (200.0, 4000.0)

#: Every simulated instrument's facts PypeIt does not hold, one entry per PypeIt
#: spectrograph name, read through its format
#: (:attr:`pypeit_spit.simulate.instruments.base.InstrumentFormat.p`); PypeIt's own facts
#: (sections, gains, read noise, orientation, exposure windows, lamps) are read from its
#: spectrograph classes at run time.
#:
#: Kast cameras (levels measured in ADU, the ``kast`` engine of
#: :mod:`pypeit_spit.simulate.frame`): ``prefix`` (file names), header values
#: (``version``, ``dsensor``, ``cameraid`` ...), the read-out window, bias and noise
#: levels, ``slit_px``, ``cr_rate``/``cr_len``, ``years``, ``sky_scale``, ``arm``,
#: ``binning``, ``exptime`` (arc and flat ranges, s), ``arc_slots``/``flat_slots`` (the
#: :data:`LAMP_SLOTS` observers light) and ``setups`` (dispersers in use: ``wave`` =
#: (first, last) wavelength in Angstrom over ``npix`` pixels of the PypeIt template or
#: solution; ``weight`` = how often a night uses it; ``dichroics`` = BSPLIT_N choices;
#: ``tilt`` = GRTILT_P range, red).
#:
#: Long-slit spectrographs (photon model, :mod:`pypeit_spit.simulate.longslit`):
#: ``binning`` ((spectral, spatial), weight) -- first entry = the common one; ``years``;
#: ``gratings`` (``name``, ``disp`` A per unbinned px, ``cwave`` central wavelength
#: range, ``blaze`` A, ``weight``, optional ``angle``/``ions``); ``dichroics``;
#: ``deckers`` (name, slit width arcsec, weight); ``slit_length`` (arcsec);
#: ``bias`` (ADU, :data:`BIAS_ADU`), ``ronoise_scale`` (factor on PypeIt's read noise,
#: [ASSUMED]); ``types`` (per class the
#: metadata values PypeIt's ``check_frame_type`` needs: the *typing recipe*);
#: ``arc_lamps`` (lamp sets: cards/metadata and weight); ``exptime`` per class (s,
#: log-uniform, then clipped into PypeIt's window); ``seeing`` (arcsec); ``cr_rate``
#: (events/s/Mpx), ``cr_len`` (px); ``faults`` (the header faults that mislead this
#: instrument's rules); ``p_standard_typed`` etc. as noted.
INSTRUMENTS = {
    # --- Lick/Kast: levels measured in ADU on real frames (sources at the top of the module)
    'shane_kast_blue': dict(
        prefix='b', version='kastb', dsensor='Fairchild CCD 3041 2Kx2K', dnaxis=(2048, 2110),
        ncols=2112,                     # [RAW] NAXIS1
        cameraid=19, geomcode=6, ampsrow=2, tempdet=192.7,                    # [RAW]
        readspd=(80,),                  # [RAW] 2015 and [1.4] 2017-18: READ-SPD 80
        # spatial window rows: 350 measured on every 2015 and 2017-18 frame [RAW][1.4];
        # other windows up to the unvignetted 337 px slit plus margins [LICK obsHints]
        # -> [ASSUMED] 260-450
        nspat_typical=350, nspat=(260, 450), p_typical_window=0.7,
        # window start row CRVAL2U: 1260 (2015 [RAW]), 1275 (2017-18 [1.4]); others [ASSUMED]
        crval2u=((1260, 0.35), (1275, 0.45), (1200, 0.1), (1300, 0.1)),
        cdelt2u=-1,                     # rows counted down the sensor: CDELT2U -1 [RAW]
        bias=(900.0, 1080.0),           # [RAW] 941-966; [1.4] overscan medians 910-1070
        amp_offset=(-30.0, 30.0),       # [RAW] amp2 - amp1 = +22 ADU; sign/size [ASSUMED]
        bias_drift=(-5.0, 5.0),         # [RAW] overscan drifts 941-949 over a night
        ronoise_scale=(0.85, 1.1),      # [RAW] 3.3-3.4 e- measured vs 3.7 e- [PK]
        edge_col_offset=(-15.0, -5.0),  # [RAW] first/last data column 8-13 ADU low
        slit_px=(250.0, 337.0),         # [RAW] lit rows 23-328 (306 px); [LICK] 145" = 337 px
        cr_rate=(0.03, 0.07),           # [RAW] ~40 CR groups / 1200 s / 0.72 Mpx -> 0.047 /s/Mpx
        cr_len=(1, 6),                  # thinned, back-illuminated CCD [LICK sla]: short tracks [ASSUMED]
        years=(2008, 2024),             # [SPIT] 2008-2016 nights; [1.4] 2017-18; blue arm unchanged
        sky_scale=1.0,
        arm='blue', binning=_KAST_BINNING,
        exptime=dict(arc=(5, 60),       # [RAW] 30 s; [DS] 15-30 s blue
                     flat=(5, 40)),     # [RAW] 15 s, one 30 s; [DS] 20-30 s
        # line-lamp slots (LAMP_SLOTS) of arcs [RAW][DS]; flats: Sup_Blue alone [RAW] with
        # probability 0.6, else one of the sets
        arc_slots=dict(sets=(('F', 'G'), ('F', 'G', 'D'), ('G',), ('F', 'G', 'J'), ('F', 'G', 'H', 'J')),
                       weights=(0.6, 0.1, 0.05, 0.1, 0.15)),
        flat_slots=dict(alone=(('5',), 0.6), sets=(('1',), ('1', '5'), ('1', '2')), weights=None),
        # dispersers in use (see the key list of INSTRUMENTS)
        setups=[
            # [ARX][JSON] 600/4310: b1 Legendre fit 3428 -> 5516 A over 2048 columns
            dict(name='600/4310', wave=(3428.0, 5516.0), npix=2048, curv=36.3, weight=0.5,
                 dichroics=('d55', 'd57', 'd46'), blaze=4340.0),
            dict(name='452/3306', wave=(3099.0, 5980.0), npix=2048, curv=50.0, weight=0.25,
                 dichroics=('d57', 'd55'), blaze=4780.0),                          # [ARX][LICK]
            dict(name='830/3460', wave=(3272.0, 4562.0), npix=2048, curv=20.0, weight=0.25,
                 dichroics=('d46',), blaze=3880.0),                                # [ARX][LICK]
        ],
    ),
    'shane_kast_red': dict(
        prefix='r', version='kastr', dsensor='2k x 4k Hamamatsu', dnaxis=(1024, 4096),
        cameraid=11, geomcode=1, ampsrow=2, tempdet=-115.0,                    # [PKdep][LICK]
        readspd=(40,),                  # [1.4] READ-SPD 40 on all 27 real 2017-18 frames
        # The real 2017-18 format [1.4]: 2725 spectral rows, 405 or 440 data columns,
        # COVER 100, CRVAL1U 400, CRVAL2U 3400, CDELT2U -1. Other windows keep variety:
        # spectral 2300-4096 rows ("spectrum covers rows 760-3310" [LICK]; full 4096),
        # spatial 300-480 columns ([LICK obsHints] 410 px), start column 200-450, COVER
        # 32-100, CRVAL2U 2500-3600 [ASSUMED].
        p_typical_window=0.6,
        typical=dict(nspec=2725, nspat=(405, 440), crval1u=400, cover=100, crval2u=3400),
        nspec=(2300, 4096), nspat=(300, 480), crval1u=(200, 450), cover=(32, 50, 100),
        crval2u=(2500, 3600), cdelt2u=-1,                                   # [1.4] CDELT2U -1
        lit_spec=(2450, 2650),          # [LICK] 2550 lit rows, a mask blocks the rest
        bias=(800.0, 1300.0),           # [1.4] overscan medians 1000-1037; widened [ASSUMED]
        amp_offset=(-40.0, 40.0),       # [ASSUMED]
        bias_drift=(-5.0, 5.0),         # [ASSUMED] like blue
        ronoise_scale=(0.9, 1.3),       # [ASSUMED] around PypeIt's 3.8 e-
        edge_col_offset=(-10.0, 5.0),   # [ASSUMED]
        slit_px=(280.0, 337.0),         # [LICK] 145" / 0.43"/px
        cr_rate=(0.08, 0.2),            # [LICK] thick chip "very sensitive to cosmic rays"
        cr_len=(1, 15),                 # thick, deep-depletion CCD: long tracks [ASSUMED]
        red_cut=10400.0,                # half response of the thick CCD (vs 9800 A) [ASSUMED]; 300/7500 template reaches 12051 A [ARX]
        years=(2016.8, 2025),           # [LICK] Hamamatsu since Sept 2016
        # sky per pixel vs blue: [1.4] red science medians 30-200 ADU above the overscan in
        # 450-600 s with 300/7500 (2.5 A/px), i.e. ~8x the blue rate per A [1.4][RAW]
        sky_scale=8.0,
        **_KAST_RED_ARM,
        # dispersers in use (see the key list of INSTRUMENTS)
        setups=[
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
    ),
    'shane_kast_red_ret': dict(
        prefix='r', version='kastr', dsensor='Ret 400x1200', dnaxis=(1200, 400),
        ncols=1232,                     # [RAW r6] NAXIS1
        cameraid=11, geomcode=1, ampsrow=1, tempdet=-115.0,                    # [RAW r6]
        readspd=(160,),                 # [RAW r6]
        nspat_typical=250, nspat=(200, 400), p_typical_window=0.7,             # [RAW r6] 250 rows
        bias=(1100.0, 1200.0),          # [RAW r6] overscan 1137
        data_offset=(5.0, 15.0),        # [RAW r6] data baseline 1148 vs overscan 1137
        amp_offset=(0.0, 0.0),          # one amplifier [PK]
        bias_drift=(-5.0, 5.0),         # [ASSUMED] like blue
        ronoise_scale=(1.0, 1.5),       # [RAW r6] overscan 5.9 ADU ~ 18 e- vs 12.5 e- [PK]
        edge_col_offset=(-25.0, -15.0), # [RAW r6] column 1201 ~ 1115 vs 1137
        slit_px=(170.0, 240.0),         # [LICK] 145" / 0.774"/px = 187 px; r6 window 250 rows
        cr_rate=(0.03, 0.1),            # [ASSUMED] 27 um pixels, thinned CCD
        cr_len=(1, 5),                  # [ASSUMED] large pixels: short tracks
        crval2u=((0, 1.0),), cdelt2u=1,  # [RAW r6] CRVAL2U 0, CDELT2U +1
        years=(2008, 2016.6),           # [SPIT][LICK] Reticon before Sept 2016
        sky_scale=3.0,
        **_KAST_RED_ARM,
        # dispersers in use (see the key list of INSTRUMENTS)
        setups=[
            # [JSON kastr] Reticon 600/7500: 5373 -> 8174 A over 1199 px
            dict(name='600/7500', wave=(5373.0, 8174.0), npix=1199, curv=30.0, weight=0.5,
                 dichroics=('d55', 'd46'), tilt=(10700, 10900), blaze=7500.0),
            # 1200/5000 as in r6 (tilt 25499) [RAW]; 0.64 A/15um -> 1.15 A/27um px [ASSUMED]
            dict(name='1200/5000', wave=(5200.0, 6580.0), npix=1200, curv=15.0, weight=0.3,
                 dichroics=('d55',), tilt=(25400, 25600), blaze=5000.0),
            dict(name='300/7500', wave=(5000.0, 10480.0), npix=1200, curv=60.0, weight=0.2,
                 dichroics=('d55', 'clear'), tilt=(3700, 3900), blaze=7500.0),   # [ASSUMED] 4.6 A/px
        ],
    ),
    # --- long-slit spectrographs beyond Kast (photon model)
    'wht_isis_blue': dict(
        prefix='r', instrument_card='ISIS', arm='blue', run0=(2200000, 2600000),  # [HDR] r2324566.fit
        binning=(((1, 2), 0.45), ((1, 1), 0.3), ((2, 2), 0.25)),      # [HDR] CCDXBIN 2, CCDYBIN 1; others [ASSUMED]
        years=(2010.0, 2024.0),                                       # [ASSUMED] EEV12 era
        # EEV12: 4200 raw rows along the dispersion, rows 4101-4200 a dark overscan strip
        # [HDR] TRIMSEC rows 1:4099, BIASSEC rows 4105:4190; spatial window of the
        # 2048-px chip: 966 px [HDR], others 400-2048 [ASSUMED]
        nrows=4200, lit_rows=4100, ncols_sensor=2048, window_cols=(966, (400, 2048)),
        gratings=[
            dict(name='R300B', disp=0.86, cwave=(3800.0, 5400.0), blaze=4000.0, weight=0.45),  # [HDR] DISPERSI 64 A/mm x 13.5 um
            dict(name='R600B', disp=0.45, cwave=(3800.0, 5400.0), blaze=4000.0, weight=0.35),  # [ASSUMED] ING: 33 A/mm
            dict(name='R1200B', disp=0.23, cwave=(3900.0, 5200.0), blaze=4000.0, weight=0.2),  # [ASSUMED] ING: 17 A/mm
        ],
        dichroics=(('5300', 0.7), ('6100', 0.2), ('5700', 0.1)),      # [HDR] 5300; [ASSUMED]
        deckers=(('LONG_SLIT', 1.0, 1.0),),                           # [HDR] ISISLITU; width ISISLITW
        slit_widths=(0.6, 3.0), slit_length=200.0,                    # [ASSUMED] ISIS long slit ~3.3-4'
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.3),
        types=dict(bias=dict(idname='zero', lampstat01='Off'),        # [PK wht_isis.py]
                   arc=dict(idname='arc', lampstat01='CuNe+CuAr'),
                   flat=dict(idname='flat', lampstat01='W'),
                   science=dict(idname='object', lampstat01='Off'),
                   standard=dict(idname='object', lampstat01='Off')),
        lamp_keys=('lampstat01',), type_keys=('idname',),
        arc_lamps=(dict(meta=dict(lampstat01='CuNe+CuAr'), weight=1.0),),   # [HDR][PK] lamps NeI ArI ArII CuI
        exptime=dict(arc=(5, 120), flat=(0.5, 30), standard=(10, 120), science=(300, 3600)),  # [HDR] 60, 1.5-2, 60, 1800 s
        seeing=(0.6, 2.0), cr_rate=(0.02, 0.08), cr_len=(1, 8),       # [ASSUMED]
        object_names=dict(arc='Blue Arc CuNe+CuAr', flat='Blue Flat W', bias='Bias'),  # [HDR]
    ),
    'wht_isis_red': dict(
        prefix='r', instrument_card='ISIS', arm='red', run0=(2200000, 2600000),
        binning=(((1, 2), 0.45), ((1, 1), 0.3), ((2, 2), 0.25)),      # [ASSUMED] as blue
        years=(2010.0, 2024.0),
        # REDPLUS 4096 x 2048 (15 um), dispersion along the 4096 rows [ASSUMED];
        # PypeIt reads the whole frame as data [PK]
        nrows=4190, lit_rows=4096, ncols_sensor=2048, window_cols=(966, (400, 2048)),
        gratings=[
            dict(name='R316R', disp=0.93, cwave=(5800.0, 8500.0), blaze=7500.0, weight=0.45),  # [ASSUMED] ING 62 A/mm
            dict(name='R600R', disp=0.49, cwave=(5800.0, 8500.0), blaze=7500.0, weight=0.3),   # [ASSUMED] ING 33 A/mm
            dict(name='R1200R', disp=0.26, cwave=(6000.0, 8800.0), blaze=7500.0, weight=0.25), # [ASSUMED] ING 17 A/mm; PypeIt template 1200 6000 [PK]
        ],
        dichroics=(('5300', 0.7), ('6100', 0.2), ('5700', 0.1)),
        deckers=(('LONG_SLIT', 1.0, 1.0),), slit_widths=(0.6, 3.0), slit_length=200.0,
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.3),
        types=dict(bias=dict(idname='zero', lampstat01='Off'),        # [PK wht_isis.py]
                   arc=dict(idname='arc', lampstat01='CuNe+CuAr'),
                   flat=dict(idname='flat', lampstat01='W'),
                   science=dict(idname='object', lampstat01='Off'),
                   standard=dict(idname='object', lampstat01='Off')),
        lamp_keys=('lampstat01',), type_keys=('idname',),
        arc_lamps=(dict(meta=dict(lampstat01='CuNe+CuAr'), weight=1.0),),
        exptime=dict(arc=(2, 120), flat=(0.5, 30), standard=(10, 120), science=(300, 3600)),
        seeing=(0.6, 2.0), cr_rate=(0.03, 0.12), cr_len=(1, 12),      # thick red CCD [ASSUMED]
        object_names=dict(arc='Red Arc CuNe+CuAr', flat='Red Flat W', bias='Bias'),
    ),
    'p200_dbsp_blue': dict(
        prefix='blue', instrument_card='DBSP_BLUE', arm='blue',                   # [HDR] blue0022.fits; FPA [PK]
        binning=(((1, 1), 0.85), ((1, 2), 0.15)),                     # [HDR] CCDSUM '1 1'; [ASSUMED]
        years=(2011.0, 2024.0),                                       # [ASSUMED] CCD44-82 era
        # [HDR] 2835 spectral rows (ROI), 460 columns: 50 pre-scan (dark, outside TSEC),
        # 360 data, 50 overscan (BSEC); ROI sizes vary [ASSUMED]
        nrows=(2835, (2000, 4096)), prescan=50, overscan=50, data_cols=(360, (250, 600)),
        gratings=[   # dispersion: PypeIt's grating equation (config_specific_par) at typical angles [PK p200_dbsp.py]
            dict(name='600/4000', disp=1.07, cwave=(3900.0, 4900.0), blaze=4000.0, weight=0.55, angle=(26.5, 28.5)),
            dict(name='300/3990', disp=2.06, cwave=(4200.0, 5200.0), blaze=3990.0, weight=0.25, angle=(18.0, 21.0)),
            dict(name='1200/5000', disp=0.55, cwave=(4200.0, 5600.0), blaze=5000.0, weight=0.2, angle=(38.0, 42.0)),
        ],
        dichroics=(('D55', 0.7), ('D68', 0.2), ('D48', 0.1)),         # [HDR] D55; [PK] D68 templates
        deckers=(('1.0', 1.0, 0.4), ('1.5', 1.5, 0.3), ('2.0', 2.0, 0.2), ('0.5', 0.5, 0.1)),  # [HDR] APERTURE '1.0', '1.5'
        slit_length=128.0,                                            # [ASSUMED] DBSP 128" slit
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.3),
        # LAMPS digits: D-FeAr-Hg-Ar-Ne-He-InCand [HDR card comment]
        types=dict(bias=dict(idname='bias', lampstat01='0000000'),    # [PK p200_dbsp.py]
                   arc=dict(idname='cal', lampstat01='0100000'),
                   flat=dict(idname='flat', lampstat01='0000000'),
                   science=dict(idname='object', lampstat01='0000000'),
                   standard=dict(idname='object', lampstat01='0000000')),
        lamp_keys=('lampstat01',), type_keys=('idname',),
        arc_lamps=(dict(meta=dict(lampstat01='0100000'), ions=('FeI', 'ArI', 'ArII'), weight=0.8),  # [HDR] blue0022: FeAr
                   dict(meta=dict(lampstat01='0110000'), ions=('FeI', 'ArI', 'ArII', 'HgI'), weight=0.2)),
        exptime=dict(arc=(10, 120), flat=(5, 120), standard=(10, 120), science=(300, 3600)),  # [HDR] 60, 90, 60 s
        seeing=(0.8, 2.5), cr_rate=(0.02, 0.08), cr_len=(1, 8),
        object_names=dict(arc='arcs', flat='flat', bias='bias'),      # [HDR]
        # DBSP flats are typed by IMGTYPE only [PK]: their lamp cards do not matter
        faults=dict(bias=('dark_as_bias', 'wrong_object'), arc=('lamp_cards_off', 'arc_too_long', 'wrong_object'),
                    flat=('wrong_object', 'twilight_flat'), science=('lamps_left_on', 'short_science'),
                    standard=('lamps_left_on', 'long_standard')),
    ),
    'p200_dbsp_red': dict(
        prefix='red', instrument_card='DBSP_RED2', arm='red',
        binning=(((1, 1), 0.85), ((1, 2), 0.15)),
        years=(2019.5, 2025.0),                                       # [ASSUMED] LBNL 4k x 2k "DBSP_RED2"
        # [HDR] 4141 columns along the dispersion: 7 pre-scan, 4114 data, 20 overscan;
        # 440 spatial rows (ROI) [HDR]; other ROIs [ASSUMED]
        ncols=4141, prescan=7, overscan=20, data_rows=(440, (300, 700)),
        gratings=[   # [PK p200_dbsp.py] grating equation at typical angles
            dict(name='316/7500', disp=1.53, cwave=(6500.0, 8000.0), blaze=7500.0, weight=0.6, angle=(23.5, 26.0)),
            dict(name='600/10000', disp=0.82, cwave=(7500.0, 9500.0), blaze=10000.0, weight=0.2, angle=(32.0, 36.0)),
            dict(name='1200/7100', disp=0.41, cwave=(6300.0, 8200.0), blaze=7100.0, weight=0.2, angle=(40.0, 44.0)),
        ],
        dichroics=(('D55', 0.7), ('D68', 0.2), ('D48', 0.1)),
        deckers=(('1.0', 1.0, 0.4), ('1.5', 1.5, 0.3), ('2.0', 2.0, 0.2), ('0.5', 0.5, 0.1)),
        slit_length=128.0,
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.3),
        types=dict(bias=dict(idname='bias', lampstat01='0000000'),
                   arc=dict(idname='cal', lampstat01='0001110'),
                   flat=dict(idname='flat', lampstat01='0000000'),
                   science=dict(idname='object', lampstat01='0000000'),
                   standard=dict(idname='object', lampstat01='0000000')),
        lamp_keys=('lampstat01',), type_keys=('idname',),
        arc_lamps=(dict(meta=dict(lampstat01='0001110'), ions=('ArI', 'ArII', 'NeI', 'HeI'), weight=0.8),  # [HDR] red0022: Ar Ne He
                   dict(meta=dict(lampstat01='0001100'), ions=('ArI', 'ArII', 'NeI'), weight=0.2)),
        exptime=dict(arc=(0.3, 60), flat=(3, 120), standard=(10, 120), science=(300, 3600)),  # [HDR] 0.4, 60, 60 s
        seeing=(0.8, 2.5), cr_rate=(0.03, 0.12), cr_len=(1, 12),
        object_names=dict(arc='arcs', flat='flat', bias='bias'),
        # DBSP flats are typed by IMGTYPE only [PK]: their lamp cards do not matter
        faults=dict(bias=('dark_as_bias', 'wrong_object'), arc=('lamp_cards_off', 'arc_too_long', 'wrong_object'),
                    flat=('wrong_object', 'twilight_flat'), science=('lamps_left_on', 'short_science'),
                    standard=('lamps_left_on', 'long_standard')),
    ),
    'keck_lris_blue': dict(
        prefix='b', instrument_card='LRISBLUE', arm='blue',                       # [HDR] b150910_2033.fits
        binning=(((2, 2), 0.55), ((1, 1), 0.3), ((2, 1), 0.15)),      # [HDR] BINNING '2,2'; [ASSUMED]
        years=(2009.5, 2024.5),                                       # [PK keck_lris.py] keck_lris_blue after 2009-04-30
        # 2 chips x 2 amplifiers, each amp 1024 x 4096 unbinned; PRECOL 50, POSTPIX 80
        # [HDR]; spectral windows [ASSUMED]
        precol=50, postpix=80, amp_cols=1024, rows=(4096, (2048, 4096)),
        gratings=[   # [KECK-LRIS] long-slit ranges and A/px
            dict(name='400/3400', disp=1.09, cwave=(3500.0, 4200.0), blaze=3400.0, weight=0.35),
            dict(name='600/4000', disp=0.63, cwave=(4100.0, 4600.0), blaze=4000.0, weight=0.35),
            dict(name='300/5000', disp=1.43, cwave=(4200.0, 5200.0), blaze=5000.0, weight=0.2),
            dict(name='1200/3400', disp=0.24, cwave=(3300.0, 3600.0), blaze=3400.0, weight=0.1),
        ],
        dichroics=(('560', 0.5), ('460', 0.15), ('500', 0.15), ('680', 0.2)),  # [HDR] '560'; [PK] d680 template
        deckers=(('long_1.0', 1.0, 0.5), ('long_0.7', 0.7, 0.2), ('long_1.5', 1.5, 0.2), ('long_8.7', 8.7, 0.1)),  # [HDR] 'long_1.0'
        slit_length=168.0, det_gap=100,                               # [ASSUMED] 168" slit; chip gap px
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.3),
        # lamp cards [PK keck_lris.py compound_meta]: their PypeIt names are learnt by
        # calling PypeIt's compound_meta on each card
        arc_cards=('MERCURY', 'NEON', 'ARGON', 'CADMIUM', 'ZINC', 'KRYPTON', 'XENON', 'FEARGON'),
        arc_lamps=(dict(cards=('MERCURY', 'NEON', 'ARGON', 'CADMIUM', 'ZINC', 'KRYPTON', 'XENON', 'FEARGON'), weight=0.35),  # [HDR] arc 1 s: all on
                   dict(cards=('MERCURY', 'NEON', 'ARGON', 'CADMIUM', 'ZINC'), weight=0.4),
                   dict(cards=('MERCURY', 'ARGON', 'CADMIUM', 'ZINC'), weight=0.25)),
        flat_modes=(('dome', 0.6), ('internal', 0.4)),                # [PK] FLAMP1/2 + open hatch, or HALOGEN + closed
        exptime=dict(arc=(1, 20), flat=(1, 60), standard=(2, 60), science=(300, 2400)),  # [HDR] 1, 600, 25-60 s
        seeing=(0.5, 1.5), cr_rate=(0.02, 0.08), cr_len=(1, 8),
        faults=dict(arc=('lamp_cards_off', 'hatch_open'), flat=('lamp_cards_off', 'twilight_flat'),
                    science=('lamps_left_on', 'short_science', 'hatch_closed'),
                    standard=('lamps_left_on', 'long_standard'), bias=('dark_as_bias', 'hatch_open')),
    ),
    'keck_lris_red': dict(
        prefix='r', instrument_card='LRIS', arm='red',
        binning=(((1, 2), 0.45), ((1, 1), 0.35), ((2, 2), 0.2)),      # [ASSUMED] LRIS red often 2x1 (spatial 2)
        years=(2009.5, 2020.45),                                      # [PK keck_lris.py] LBNL chips; Mark4 from 2021-04-22, odd gains 2020-06-30..
        precol=12, postpix=80, amp_cols=1024, rows=(4096, (2048, 4096)),  # [ASSUMED] like blue
        gratings=[   # [ASSUMED] Keck LRIS red grating table (calculated dispersions), recalled
            dict(name='400/8500', disp=1.16, cwave=(7000.0, 8500.0), blaze=8500.0, weight=0.3),
            dict(name='600/7500', disp=0.80, cwave=(6500.0, 8000.0), blaze=7500.0, weight=0.25),
            dict(name='600/10000', disp=0.80, cwave=(8000.0, 9500.0), blaze=10000.0, weight=0.1),
            dict(name='831/8200', disp=0.58, cwave=(7500.0, 8800.0), blaze=8200.0, weight=0.1),
            dict(name='1200/7500', disp=0.40, cwave=(6000.0, 7800.0), blaze=7500.0, weight=0.1),
            dict(name='300/5000', disp=1.59, cwave=(6000.0, 7500.0), blaze=5000.0, weight=0.1),
            dict(name='150/7500', disp=3.0, cwave=(7000.0, 8000.0), blaze=7500.0, weight=0.05),
        ],
        dichroics=(('560', 0.5), ('460', 0.15), ('500', 0.15), ('680', 0.2)),
        deckers=(('long_1.0', 1.0, 0.5), ('long_0.7', 0.7, 0.2), ('long_1.5', 1.5, 0.2), ('long_8.7', 8.7, 0.1)),
        slit_length=168.0, det_gap=100,
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.3),
        arc_cards=('MERCURY', 'NEON', 'ARGON', 'CADMIUM', 'ZINC', 'KRYPTON', 'XENON', 'FEARGON'),
        arc_lamps=(dict(cards=('NEON', 'ARGON', 'MERCURY', 'CADMIUM', 'ZINC', 'KRYPTON', 'XENON'), weight=0.45),
                   dict(cards=('NEON', 'ARGON', 'MERCURY', 'CADMIUM', 'ZINC'), weight=0.35),
                   dict(cards=('NEON', 'ARGON', 'KRYPTON', 'XENON'), weight=0.2)),
        flat_modes=(('dome', 0.6), ('internal', 0.4)),
        exptime=dict(arc=(1, 20), flat=(1, 60), standard=(2, 60), science=(300, 2400)),
        seeing=(0.5, 1.5), cr_rate=(0.03, 0.12), cr_len=(1, 12),
        faults=dict(arc=('lamp_cards_off', 'hatch_open'), flat=('lamp_cards_off', 'twilight_flat'),
                    science=('lamps_left_on', 'short_science', 'hatch_closed'),
                    standard=('lamps_left_on', 'long_standard'), bias=('dark_as_bias', 'hatch_open')),
    ),
    'gemini_gmos_north_ham': dict(
        prefix='N', instrument_card='GMOS-N', arm=None,
        binning=(((2, 2), 0.6), ((1, 2), 0.15), ((1, 1), 0.15), ((2, 4), 0.1)),  # [ASSUMED] spectroscopy mostly 2x2
        years=(2017.2, 2025.0),                                       # [ASSUMED] Hamamatsu on GMOS-N since Feb 2017
        # 3 CCDs x 4 amplifiers, each amp 512 columns along the dispersion + 32 overscan,
        # 4224 rows [ASSUMED]; full frame or central-spectrum ROI (1/4 of the rows)
        amp_cols=512, overscan=32, rows=4224, p_central_roi=0.25, det_gap=67,  # [GEMINI] 67 px gap
        gratings=[   # [ASSUMED] GMOS grating dispersions on the 15 um Hamamatsu pixels
            dict(name='B600+_G5323', disp=0.50, cwave=(4500.0, 6000.0), blaze=4610.0, weight=0.3),
            dict(name='R400+_G5305', disp=0.74, cwave=(6000.0, 8000.0), blaze=7640.0, weight=0.35),
            dict(name='R831+_G5302', disp=0.38, cwave=(6500.0, 8500.0), blaze=7570.0, weight=0.15),
            dict(name='B480+_G5309', disp=0.62, cwave=(4800.0, 6000.0), blaze=5200.0, weight=0.1),
            dict(name='R150+_G5308', disp=1.93, cwave=(6500.0, 8000.0), blaze=7170.0, weight=0.1),
        ],
        dichroics=(('open1-6', 0.5), ('GG455_G0305', 0.3), ('OG515_G0306', 0.2)),  # FILTER1 [ASSUMED]
        deckers=(('1.0arcsec', 1.0, 0.5), ('0.75arcsec', 0.75, 0.2), ('0.5arcsec', 0.5, 0.15), ('1.5arcsec', 1.5, 0.15)),
        slit_length=330.0,                                            # [ASSUMED] 5.5' long slit
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.2),
        types=dict(bias=dict(target='Bias'), arc=dict(target='CuAr'),  # [PK gemini_gmos.py]: OBJECT only
                   flat=dict(target='GCALflat')),
        type_keys=('target',), obstype=dict(bias='BIAS', arc='ARC', flat='FLAT', science='OBJECT', standard='OBJECT'),
        arc_lamps=(dict(meta={}, weight=1.0),),                       # CuAr [PK] lamps CuI ArI ArII
        exptime=dict(arc=(30, 150), flat=(1, 30), standard=(10, 300), science=(300, 2400)),  # [ASSUMED]
        seeing=(0.4, 1.4), cr_rate=(0.03, 0.12), cr_len=(1, 12),
        # PypeIt's rules have no standard type for GMOS: standards are typed science [PK]
        rule_class=dict(standard='science'),
        faults=dict(arc=('wrong_object',), flat=('wrong_object', 'twilight_flat'),
                    bias=('wrong_object',), science=('wrong_object',), standard=('wrong_object',)),
    ),
    'gemini_gmos_south_ham': dict(
        prefix='S', instrument_card='GMOS-S', arm=None,
        binning=(((2, 2), 0.6), ((1, 2), 0.15), ((1, 1), 0.15), ((2, 4), 0.1)),
        years=(2014.6, 2025.0),                                       # [ASSUMED] Hamamatsu on GMOS-S since 2014
        amp_cols=512, overscan=32, rows=4224, p_central_roi=0.25, det_gap=61,  # [GEMINI] 61 px gap
        gratings=[
            dict(name='B600+_G5323', disp=0.50, cwave=(4500.0, 6000.0), blaze=4610.0, weight=0.3),
            dict(name='R400+_G5325', disp=0.74, cwave=(6000.0, 8000.0), blaze=7640.0, weight=0.35),
            dict(name='R831+_G5322', disp=0.38, cwave=(6500.0, 8500.0), blaze=7570.0, weight=0.15),
            dict(name='B480+_G5327', disp=0.62, cwave=(4800.0, 6000.0), blaze=5200.0, weight=0.1),
            dict(name='R150+_G5326', disp=1.93, cwave=(6500.0, 8000.0), blaze=7170.0, weight=0.1),
        ],
        dichroics=(('open1-6', 0.5), ('GG455_G0329', 0.3), ('OG515_G0330', 0.2)),
        deckers=(('1.0arcsec', 1.0, 0.5), ('0.75arcsec', 0.75, 0.2), ('0.5arcsec', 0.5, 0.15), ('1.5arcsec', 1.5, 0.15)),
        slit_length=330.0,
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.2),
        types=dict(bias=dict(target='Bias'), arc=dict(target='CuAr'), flat=dict(target='GCALflat')),
        type_keys=('target',), obstype=dict(bias='BIAS', arc='ARC', flat='FLAT', science='OBJECT', standard='OBJECT'),
        arc_lamps=(dict(meta={}, weight=1.0),),
        exptime=dict(arc=(30, 150), flat=(1, 30), standard=(10, 300), science=(300, 2400)),
        seeing=(0.4, 1.4), cr_rate=(0.03, 0.12), cr_len=(1, 12),
        rule_class=dict(standard='science'),
        faults=dict(arc=('wrong_object',), flat=('wrong_object', 'twilight_flat'),
                    bias=('wrong_object',), science=('wrong_object',), standard=('wrong_object',)),
    ),
    'ntt_efosc2': dict(
        prefix='EFOSC', instrument_card='EFOSC', arm=None,
        binning=(((2, 2), 0.75), ((1, 1), 0.25)),                     # [ASSUMED] mostly 2x2
        years=(2008.0, 2024.0),
        # 2048 x 2048 data + overscan columns; the DET OUT1 cards describe it [PK ntt_efosc2.py]
        nx=2048, ny=2048, overscan=32, prescan_y=0,                   # [ASSUMED] sizes
        gratings=[   # [ASSUMED] EFOSC2 grisms, A per unbinned 15 um pixel (ESO manual, recalled)
            dict(name='Gr#11', disp=2.04, cwave=(5300.0, 5600.0), blaze=4500.0, weight=0.3),
            dict(name='Gr#13', disp=2.77, cwave=(6300.0, 6600.0), blaze=5500.0, weight=0.25),
            dict(name='Gr#16', disp=2.08, cwave=(8000.0, 8300.0), blaze=7500.0, weight=0.15),
            dict(name='Gr#4', disp=1.68, cwave=(5700.0, 5900.0), blaze=5000.0, weight=0.1),
            dict(name='Gr#5', disp=2.06, cwave=(7200.0, 7400.0), blaze=6500.0, weight=0.1),
            dict(name='Gr#6', disp=2.07, cwave=(5900.0, 6100.0), blaze=5500.0, weight=0.1),
        ],
        deckers=(('slit#1.0', 1.0, 0.5), ('slit#1.5', 1.5, 0.25), ('slit#0.7', 0.7, 0.15), ('slit#2.0', 2.0, 0.1)),
        slit_length=240.0,                                            # [ASSUMED] 4' long slit
        bias=BIAS_ADU, ronoise_scale=(0.8, 1.2),
        # PypeIt types EFOSC2 from OBJECT ('target') and DPR CATG ('idname') [PK ntt_efosc2.py]
        types=dict(bias=dict(target='BIAS', idname='CALIB'), arc=dict(target='WAVE', idname='CALIB'),
                   flat=dict(target='FLAT', idname='CALIB'), science=dict(idname='SCIENCE'),
                   standard=dict(target='STD', idname='CALIB')),
        type_keys=('target', 'idname'),
        dpr_type=dict(bias='BIAS', arc='WAVE', flat='FLAT', science='OBJECT', standard='STD'),
        arc_lamps=(dict(meta={}, weight=1.0),),                       # He + Ar [PK] lamps HeI ArI
        exptime=dict(arc=(5, 60), flat=(1, 30), standard=(30, 300), science=(300, 3600)),  # [ASSUMED]
        seeing=(0.6, 2.0), cr_rate=(0.02, 0.08), cr_len=(1, 8),
        faults=dict(bias=('wrong_object',), arc=('wrong_object',), flat=('wrong_object', 'twilight_flat'),
                    science=('wrong_object',), standard=('wrong_object',)),
    ),
    'not_alfosc': dict(
        prefix='ALxh', instrument_card='ALFOSC_FASU', arm=None,
        binning=(((1, 1), 0.7), ((2, 2), 0.2), ((1, 2), 0.1)),        # [ASSUMED]
        years=(2016.0, 2025.0),
        # PypeIt reads columns 1-2148 (unbinned) as data, no overscan [PK not_alfosc.py];
        # 2102 rows along the dispersion (PypeIt's vertical-slit section) [PK]; the first
        # and last 50 columns are dark pre/overscan [ASSUMED]
        ncols=2148, nrows=2102, dark_cols=50,
        gratings=[   # [ASSUMED] NOT ALFOSC grisms, A per unbinned pixel (recalled)
            dict(name='Grism_#4', disp=3.3, cwave=(6200.0, 6500.0), blaze=5500.0, weight=0.45),
            dict(name='Grism_#7', disp=1.7, cwave=(5200.0, 5500.0), blaze=4500.0, weight=0.2),
            dict(name='Grism_#8', disp=1.3, cwave=(7000.0, 7300.0), blaze=7000.0, weight=0.15),
            dict(name='Grism_#3', disp=2.3, cwave=(4800.0, 5100.0), blaze=4500.0, weight=0.1),
            dict(name='Grism_#19', disp=0.3, cwave=(4500.0, 4700.0), blaze=4600.0, weight=0.1),
        ],
        deckers=(('Slit_1.0', 1.0, 0.5), ('Slit_1.3', 1.3, 0.2), ('Slit_0.75', 0.75, 0.15), ('Slit_2.5', 2.5, 0.15)),
        slit_length=400.0,                                            # [ASSUMED] 6.4' long slits
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.2),
        gain=(0.16, 0.2), ronoise_e=(4.0, 5.0),                       # GAIN/RDNOISE cards (PypeIt reads them) [ASSUMED]
        types=dict(bias=dict(idname='BIAS'), arc=dict(idname='WAVE,LAMP'),   # [PK not_alfosc.py]
                   flat=dict(idname='FLAT,LAMP'), science=dict(idname='OBJECT'),
                   standard=dict(idname='STD')),
        type_keys=('idname',),
        arc_lamps=(dict(meta={}, weight=1.0),),                       # He Ne Ar [PK]
        exptime=dict(arc=(1, 40), flat=(1, 30), standard=(10, 120), science=(300, 3600)),
        seeing=(0.5, 1.8), cr_rate=(0.02, 0.08), cr_len=(1, 8),
        faults=dict(bias=('wrong_object', 'dark_as_bias'), arc=('wrong_object',), flat=('wrong_object', 'twilight_flat'),
                    science=('wrong_object', 'short_science'), standard=('wrong_object', 'long_standard')),
    ),
    'mmt_bluechannel': dict(
        prefix='bc', instrument_card='mmtbluechan', arm=None,
        binning=(((1, 1), 0.7), ((1, 2), 0.3)),                       # [ASSUMED]
        years=(2015.0, 2025.0),
        # 2688 (dispersion) x 512 CCD plus 32 overscan columns [ASSUMED]; DATASEC/BIASSEC cards
        ncols=2688, overscan=32, nrows=512,
        gratings=[   # [ASSUMED] MMT Blue Channel gratings (A per pixel)
            dict(name='300GPM', disp=1.96, cwave=(5000.0, 6000.0), blaze=4800.0, weight=0.35),
            dict(name='500GPM', disp=1.19, cwave=(4500.0, 6000.0), blaze=5400.0, weight=0.25),
            dict(name='800GPM', disp=0.75, cwave=(4000.0, 5500.0), blaze=4000.0, weight=0.15),
            dict(name='832GPM', disp=0.36, cwave=(4000.0, 5500.0), blaze=4000.0, weight=0.1),
            dict(name='1200GPM', disp=0.50, cwave=(4000.0, 6000.0), blaze=5100.0, weight=0.15),
        ],
        dichroics=(('UV-36', 0.5), ('LP-495', 0.3), ('none', 0.2)),   # INSFILTE [ASSUMED]
        deckers=(('1.0x180', 1.0, 0.5), ('1.25x180', 1.25, 0.25), ('1.5x180', 1.5, 0.25)),
        slit_length=180.0,                                            # [ASSUMED] from the slit names
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.2),
        gain=(1.0, 1.2), ronoise_e=(2.5, 3.5),                        # GAIN/RDNOISE cards [ASSUMED]
        # [PK mmt_bluechannel.py]: standards through the 5" slit, flats with the 'BC' lamp
        types=dict(bias=dict(idname='zero', lampstat01='off'), arc=dict(idname='comp', lampstat01='HeNeAr'),
                   flat=dict(idname='flat', lampstat01='BC'), science=dict(idname='object', lampstat01='off'),
                   standard=dict(idname='object', lampstat01='off', decker='5.0x180')),
        lamp_keys=('lampstat01',), type_keys=('idname',),
        arc_lamps=(dict(meta=dict(lampstat01='HeNeAr'), weight=0.7), dict(meta=dict(lampstat01='HgCd'), weight=0.15),
                   dict(meta=dict(lampstat01='ThAr'), weight=0.15)),  # PypeIt's get_lamps names [PK]
        exptime=dict(arc=(2, 120), flat=(5, 300), standard=(30, 300), science=(300, 3600)),
        seeing=(0.6, 1.8), cr_rate=(0.02, 0.08), cr_len=(1, 8),
        faults=dict(arc=('lamp_cards_off', 'wrong_object'), flat=('lamp_cards_off', 'twilight_flat'),
                    science=('lamps_left_on', 'wrong_object'), standard=('lamps_left_on', 'long_standard'),
                    bias=('wrong_object',)),
    ),
    'lbt_mods1r': dict(
        prefix='mods1r', instrument_card='MODS1R', arm='red',
        binning=(((1, 1), 0.6), ((2, 2), 0.4)),                       # [ASSUMED]
        years=(2012.0, 2025.0),
        # 8288 x 3088 unbinned: 48 pre-scan columns at both ends, four quadrants [PK lbt_mods.py]
        detsize=(8288, 3088), prescan=48,
        gratings=[dict(name='G670L', disp=0.85, cwave=(7400.0, 7800.0), blaze=7000.0, weight=1.0)],  # [ASSUMED] MODS red grating
        dichroics=(('Dual', 0.6), ('Red', 0.4)),                      # [ASSUMED] DICHNAME
        deckers=(('LS5x60x1.0', 1.0, 0.5), ('LS5x60x0.8', 0.8, 0.2), ('LS5x60x1.2', 1.2, 0.2), ('LS5x60x0.6', 0.6, 0.1)),
        slit_length=60.0,                                             # [ASSUMED] 60" long slits
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.2),
        types=dict(bias=dict(idname='BIAS'), arc=dict(idname='COMP'), flat=dict(idname='FLAT'),   # [PK lbt_mods.py]
                   science=dict(idname='OBJECT'), standard=dict(idname='STD')),
        type_keys=('idname',),
        arc_lamps=(dict(meta={}, weight=1.0),),                       # Hg Ar Ne Kr Xe (MODS lists) [PK]
        exptime=dict(arc=(1, 60), flat=(1, 60), standard=(10, 200), science=(300, 3600)),
        seeing=(0.5, 1.5), cr_rate=(0.03, 0.12), cr_len=(1, 12),
        faults=dict(bias=('wrong_object', 'dark_as_bias'), arc=('wrong_object',), flat=('wrong_object', 'twilight_flat'),
                    science=('wrong_object',), standard=('wrong_object', 'long_standard')),
    ),
    'soar_goodman_red': dict(
        prefix='', instrument_card='Goodman Spectro', arm=None,
        binning=(((2, 2), 1.0),),                                     # PypeIt reads only 2x2 for the red camera [PK soar_goodman.py]
        years=(2019.0, 2025.0),
        # binned 2x2: pre-scan columns then data, along the dispersion; rows (spatial ROI) [ASSUMED]
        prescan_cols=(24, 28), data_cols=2048, nrows=(998, (600, 1028)),
        gratings=[   # [ASSUMED] Goodman gratings (A per unbinned 15 um pixel)
            dict(name='400_SYZY', disp=1.0, cwave=(5500.0, 7500.0), blaze=5500.0, weight=0.45),
            dict(name='600_SYZY_OLD', disp=0.65, cwave=(5000.0, 7000.0), blaze=6000.0, weight=0.2),
            dict(name='930_SYZY', disp=0.42, cwave=(5000.0, 7000.0), blaze=5500.0, weight=0.15),
            dict(name='1200_SYZY', disp=0.31, cwave=(5000.0, 7000.0), blaze=5500.0, weight=0.1),
            dict(name='2100_SYZY', disp=0.18, cwave=(5500.0, 7000.0), blaze=6000.0, weight=0.1),
        ],
        deckers=(('1.0_LONG_SLIT', 1.0, 0.5), ('0.8_LONG_SLIT', 0.8, 0.2), ('1.5_LONG_SLIT', 1.5, 0.2), ('3.0_LONG_SLIT', 3.0, 0.1)),
        slit_length=234.0,                                            # [ASSUMED] 3.9' long slit
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.2),
        gain=(1.4, 1.6), ronoise_e=(3.5, 4.5),                        # GAIN/RDNOISE cards (PypeIt reads them) [ASSUMED]
        # lamp cards LAMP_HGA..LAMP_DOM [PK soar_goodman.py]; arc = any of HgAr/Ne/Ar/Fe,
        # flat = quartz or dome lamp, sky frames all 'FALSE'
        lamp_cards=('LAMP_HGA', 'LAMP_NE', 'LAMP_AR', 'LAMP_FE', 'LAMP_CU', 'LAMP_QUA', 'LAMP_BUL', 'LAMP_DOM'),
        arc_lamps=(dict(cards=('LAMP_HGA', 'LAMP_NE'), ions=('HgI', 'ArI', 'NeI'), weight=0.5),
                   dict(cards=('LAMP_NE', 'LAMP_AR'), ions=('NeI', 'ArI'), weight=0.3),
                   dict(cards=('LAMP_HGA',), ions=('HgI', 'ArI'), weight=0.2)),
        flat_cards=(('LAMP_QUA',), ('LAMP_DOM',)),
        obstype=dict(bias='BIAS', arc='COMP', flat='FLAT', science='SPECTRUM', standard='SPECTRUM'),
        exptime=dict(arc=(1, 30), flat=(1, 60), standard=(10, 120), science=(300, 3600)),
        seeing=(0.5, 1.6), cr_rate=(0.03, 0.12), cr_len=(1, 12),
        # PypeIt never types Goodman biases [PK]
        rule_class=dict(bias='None'),
        faults=dict(bias=(), arc=('lamp_cards_off', 'arc_too_long'), flat=('lamp_cards_off', 'twilight_flat'),
                    science=('lamps_left_on', 'short_science'), standard=('lamps_left_on', 'long_standard')),
    ),
    'ldt_deveny': dict(
        prefix='', instrument_card='Deveny', arm=None,
        binning=(((1, 1), 0.85), ((1, 2), 0.15)),                     # [ASSUMED]
        years=(2015.0, 2025.0),
        # 2148 columns along the dispersion, 516 rows; TRIMSEC/BIASSEC as PypeIt's
        # default sections say [PK ldt_deveny.py]
        ncols=2148, nrows=516, trim=((54, 2096), (5, 512)), bias_cols=(2100, 2144),
        gratings=[   # names: PypeIt's GRATING dictionary [PK]; dispersions [ASSUMED] ~ 2.2 A/px x 300/lines
            dict(name='300/4000', disp=2.17, cwave=(5000.0, 6000.0), blaze=4000.0, weight=0.35),
            dict(name='150/5000', disp=4.3, cwave=(6000.0, 7000.0), blaze=5000.0, weight=0.1),
            dict(name='300/6750', disp=2.17, cwave=(6000.0, 7500.0), blaze=6750.0, weight=0.1),
            dict(name='400/8500', disp=1.6, cwave=(7000.0, 8500.0), blaze=8500.0, weight=0.1),
            dict(name='500/5500', disp=1.3, cwave=(5000.0, 6500.0), blaze=5500.0, weight=0.1),
            dict(name='600/4900', disp=1.1, cwave=(4500.0, 5500.0), blaze=4900.0, weight=0.1),
            dict(name='1200/5000', disp=0.55, cwave=(4500.0, 6000.0), blaze=5000.0, weight=0.15),
        ],
        deckers=(('None', 1.5, 0.6), ('None', 1.0, 0.2), ('None', 2.5, 0.2)),
        slit_length=150.0,                                            # [ASSUMED] ~2.5' slit
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.2),
        gain=(1.5, 1.55), ronoise_e=(4.5, 5.0),                       # PypeIt's defaults 1.52 / 4.9 [PK]
        types=dict(bias=dict(idname='BIAS', lampstat01=''), arc=dict(idname='COMP', lampstat01='Ne,Ar,Hg,Cd'),  # [PK ldt_deveny.py]
                   flat=dict(idname='DOME FLAT', lampstat01=''), science=dict(idname='OBJECT', lampstat01=''),
                   standard=dict(idname='STANDARD', lampstat01='')),
        lamp_keys=('lampstat01',), type_keys=('idname',),
        arc_lamps=(dict(meta=dict(lampstat01='Ne,Ar,Hg,Cd'), weight=0.5), dict(meta=dict(lampstat01='Ne,Ar'), weight=0.25),
                   dict(meta=dict(lampstat01='Hg,Cd'), weight=0.25)),  # names PypeIt maps to the *_DeVeny lists [PK]
        exptime=dict(arc=(1, 60), flat=(1, 60), standard=(10, 300), science=(300, 3600)),
        seeing=(0.8, 2.2), cr_rate=(0.02, 0.08), cr_len=(1, 8),
        faults=dict(bias=('wrong_object',), arc=('lamp_cards_off', 'wrong_object'), flat=('lamps_left_on', 'twilight_flat'),
                    science=('lamps_left_on', 'wrong_object'), standard=('lamps_left_on', 'wrong_object')),
    ),
    'keck_deimos': dict(
        prefix='DE', instrument_card='DEIMOS', arm=None,
        binning=(((1, 1), 1.0),),                                     # PypeIt reads only 1x1 [PK keck_deimos.py]
        years=(2010.0, 2024.0),
        # 8 chips of 2048 x 4096 (dispersion along the 4096 rows) + POSTPIX overscan
        # columns; chips 1-4 side by side along the slit, 5-8 above them (redder) [PK]
        chip=(2048, 4096), precol=0, postpix=50,                      # [ASSUMED] pre/overscan sizes
        # chips simulated with pixels (the first PypeIt mosaic; others header-only HDUs
        # to keep files small) -- set ('all') for all eight
        sim_chips=(1, 5), det_gap_spec=50,                            # [ASSUMED] gap between chip rows
        gratings=[   # [ASSUMED] DEIMOS gratings (A per pixel)
            dict(name='600ZD', disp=0.65, cwave=(6000.0, 7500.0), blaze=7500.0, weight=0.35, gratepos=3),
            dict(name='830G', disp=0.47, cwave=(7200.0, 8600.0), blaze=8640.0, weight=0.2, gratepos=4),
            dict(name='900ZD', disp=0.44, cwave=(5000.0, 6500.0), blaze=5500.0, weight=0.15, gratepos=3),
            dict(name='1200G', disp=0.33, cwave=(7000.0, 8500.0), blaze=7760.0, weight=0.2, gratepos=4),
            dict(name='1200B', disp=0.32, cwave=(5000.0, 6500.0), blaze=4500.0, weight=0.1, gratepos=3),
        ],
        deckers=(('LongMirr', 1.0, 0.6), ('LVMslitC', 0.75, 0.2), ('LongMirr', 1.5, 0.2)),  # [ASSUMED]
        slit_length=1200.0,                                           # [ASSUMED] 20' long slit
        bias=BIAS_ADU, ronoise_scale=(0.9, 1.2),
        types=dict(bias=dict(idname='Bias', lampstat01='Off', hatch='closed', mode='Spectral'),  # [PK keck_deimos.py]
                   arc=dict(idname='Line', lampstat01='Ne Ar Kr Xe', hatch='closed', mode='Spectral'),
                   flat=dict(idname='IntFlat', lampstat01='Qz', hatch='closed', mode='Spectral'),
                   science=dict(idname='Object', lampstat01='Off', hatch='open', mode='Spectral'),
                   standard=dict(idname='Object', lampstat01='Off', hatch='open', mode='Spectral')),
        lamp_keys=('lampstat01',), type_keys=('idname',),
        arc_lamps=(dict(meta=dict(lampstat01='Ne Ar Kr Xe'), weight=0.7), dict(meta=dict(lampstat01='Ne Ar Kr'), weight=0.3)),
        exptime=dict(arc=(1, 10), flat=(5, 60), standard=(10, 300), science=(600, 3600)),
        seeing=(0.5, 1.5), cr_rate=(0.03, 0.12), cr_len=(1, 12),
        rule_class=dict(standard='science'),                          # no standard rule for DEIMOS [PK]
        faults=dict(bias=('wrong_object',), arc=('lamp_cards_off', 'wrong_object'), flat=('lamp_cards_off', 'twilight_flat'),
                    science=('lamps_left_on', 'wrong_object'), standard=('lamps_left_on', 'wrong_object')),
    ),
}

#: The ``generic`` pseudo-instrument: a long-slit spectrograph PypeIt does not know,
#: everything randomized (domain randomization for unknown instruments) [ASSUMED].
GENERIC_RANGES = {
    'nspec': (500, 4200), 'nspat': (80, 2100),         # data pixels (after binning)
    'p_spec_along_x': 0.55,                            # spectral axis along NAXIS1
    'p_flip': 0.5,                                     # each axis flipped
    'n_amps': ((1, 0.55), (2, 0.35), (4, 0.1)),
    'overscan': (0, 64), 'p_overscan': 0.7, 'prescan': (0, 50), 'p_prescan': 0.4,
    'p_multi_hdu': 0.35,                               # image in an extension (or one per amp)
    'disp': (0.2, 6.0), 'cwave': (3800.0, 8500.0),     # A per binned px, central wavelength
    'plate': (0.1, 0.8),                               # arcsec per px
    'slit_length': (30.0, 600.0),
    'diameter': (1.0, 10.0), 'gain': (0.5, 3.0), 'ronoise_e': (2.5, 12.0),
    'bias': (100.0, 3000.0),
    'p_curved': 0.4, 'curvature_px': (-40.0, 40.0), 'tilt_px': (-30.0, 30.0),   # curved/tilted spectra
    'p_two_orders': 0.15,                              # two orders on the detector (LCO FLOYDS-like)
    'lamps': (('HeI', 'NeI', 'ArI'), ('HgI', 'ArI'), ('NeI',), ('CuI', 'ArI', 'ArII'),
              ('FeI', 'ArI', 'ArII'), ('HgI', 'CdI', 'HeI'), ('ThAr',), ('XeI', 'KrI', 'NeI', 'ArI')),
    'years': (2000.0, 2025.0),
}
