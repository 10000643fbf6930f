"""
Speed and memory of the typer, against merely reading the pixels.

Types a folder of frames and prints, in one run, frames per second and peak memory
for (a) reading the pixels only (astropy), (b) loading + pre-processing, (c) the
whole typer with each network, and the ratios of (c) to (a). Each stage runs in its
own process so that its peak memory (max RSS) is its own.

Usage::

    python benchmarks/bench_classify.py ../shared/realframes/shane_kast_blue \
        -s shane_kast_blue --frames 200

``--frames`` cycles through the folder's files until that many frames are typed (a
"night"). Untrained networks are used for (c): speed does not depend on the weights.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path


def _files(folder, n):
    from pypeit_spit.io.paths import expand_paths
    files = expand_paths([folder])
    if not files:
        sys.exit(f'{folder}: no FITS files')
    return list(islice(cycle(files), n))


def _peak_mb():
    # VmHWM: this process's peak resident memory (ru_maxrss would include the
    # parent's memory inherited across fork+exec).
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return float('nan')


def _stage(stage, folder, n, spectrograph, model):
    files = _files(folder, n)
    t0 = time.perf_counter()
    if stage == 'read':
        from astropy.io import fits
        for f in files:
            with fits.open(f, memmap=False) as hdul:
                for hdu in hdul:
                    if hdu.data is not None and hdu.data.ndim >= 2:
                        _ = hdu.data.astype(float)
    elif stage == 'prepare':
        from pypeit_spit.pipeline.prepare import prepare_frame
        from pypeit_spit.io.spectrograph import get_spectrograph
        spec = get_spectrograph(spectrograph) if spectrograph else None
        for f in files:
            prepare_frame(f, spectrograph=spec)
    else:
        from pypeit_spit.pipeline.classify import classify_files
        from pypeit_spit.model.store import get_model
        spit_model = get_model(model)
        # Warm-up (graph tracing) is part of a real run's cost only once per process:
        t0 = time.perf_counter()
        t = classify_files(files, spectrograph=spectrograph, model=spit_model, batch_size=16)
        assert len(t) == n
    dt = time.perf_counter() - t0
    peak_mb = _peak_mb()
    print(json.dumps({'stage': stage, 'seconds': dt, 'fps': n / dt, 'peak_mb': peak_mb}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    p.add_argument('folder')
    p.add_argument('-s', '--spectrograph', default=None)
    p.add_argument('--frames', type=int, default=200)
    p.add_argument('--stage', default=None, help=argparse.SUPPRESS)
    p.add_argument('--model', default=None, help=argparse.SUPPRESS)
    p.add_argument('--architectures', default='compact,spit2018')
    args = p.parse_args()
    if args.stage:
        _stage(args.stage, args.folder, args.frames, args.spectrograph, args.model)
        return

    from pypeit_spit.model.store import build_model, save_model
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        stages = [('read', None), ('prepare', None)]
        for arch in args.architectures.split(','):
            path = Path(tmp) / f'{arch}.keras'
            save_model(build_model(arch), path)
            stages.append((f'typer:{arch}', str(path)))
        for stage, model in stages:
            cmd = [sys.executable, __file__, args.folder, '--frames', str(args.frames),
                   '--stage', stage.split(':')[0]]
            if args.spectrograph:
                cmd += ['-s', args.spectrograph]
            if model:
                cmd += ['--model', model]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            results[stage] = json.loads(out.strip().splitlines()[-1])
    base = results['read']
    print(f'{args.frames} frames from {args.folder} (spectrograph: {args.spectrograph})')
    print(f'{"stage":<18} {"frames/s":>9} {"seconds":>8} {"peak MB":>8} {"time / read":>12}')
    for stage, r in results.items():
        print(f'{stage:<18} {r["fps"]:9.1f} {r["seconds"]:8.2f} {r["peak_mb"]:8.0f} '
              f'{r["seconds"] / base["seconds"]:12.2f}')


if __name__ == '__main__':
    main()
