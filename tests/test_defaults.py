"""Every default is written once, in configs/spit_spec.cfg, and read from there."""
import inspect

import configobj
import validate

from pypeit_spit.defaults import DEFAULTS, spec_path


def test_defaults_are_the_spec():
    cfg = configobj.ConfigObj({'default': {}}, configspec=str(spec_path()))
    cfg.validate(validate.Validator())
    for name, value in vars(DEFAULTS).items():
        assert cfg['default'][name] == value, name
    # the contradiction of issue 21 settled by the figure that chose it (model card §5)
    assert DEFAULTS.contradict == 0.6


def test_signatures_read_the_defaults():
    from pypeit_spit.integration.decision import DecisionParams
    from pypeit_spit.integration.rules import header_evidence, header_facts
    from pypeit_spit.io.loaded import DEFAULT_MAX_PIXELS
    from pypeit_spit.pipeline.classify import READ_BATCH, classify_files
    params = DecisionParams(rules_error=0.05, near_zero=0.02, override=0.99)
    assert params.contradict == DEFAULTS.contradict
    facts = inspect.signature(header_facts).parameters
    assert facts['std_radius'].default == DEFAULTS.std_radius
    assert facts['exptime_mismatch'].default == DEFAULTS.exptime_mismatch
    assert inspect.signature(header_evidence).parameters['radius'].default == \
        DEFAULTS.std_radius
    assert inspect.signature(classify_files).parameters['batch_size'].default == \
        READ_BATCH == DEFAULTS.batch_size
    assert DEFAULT_MAX_PIXELS == DEFAULTS.max_pixels


def test_command_line_defaults_read_the_defaults():
    from pypeit_spit.scripts.spit_classify import SpitClassify
    args = SpitClassify.parse_args(['x.fits'])
    assert args.batch_size == DEFAULTS.batch_size
    assert args.max_pixels == DEFAULTS.max_pixels


def test_configuration_defaults_are_the_same_object():
    from pypeit_spit.integration.config import instrument_config
    cfg = instrument_config('shane_kast_blue')
    for name in ('std_radius', 'batch_size', 'max_pixels', 'rules_error', 'near_zero',
                 'contradict', 'override', 'exptime_mismatch', 'header_evidence'):
        assert getattr(cfg, name) == getattr(DEFAULTS, name), name
