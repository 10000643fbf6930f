"""
The console commands (thin PypeIt ``ScriptBase`` subclasses, see :mod:`~.base`).

Importing this package does nothing. Every command imports PypeIt's script base class,
whose package imports PypeIt's spectrographs, which need astropy's observatory list; so
the console scripts start in :mod:`~.launch`, which makes PypeIt's observatories known
(:func:`pypeit_spit.io.sites.use_offline_sites`: nothing is done when astropy already has
its list, nothing is downloaded or written) before it imports the command. Code that
imports a command module itself calls :func:`~pypeit_spit.io.sites.use_offline_sites`
first, where it starts.
"""
