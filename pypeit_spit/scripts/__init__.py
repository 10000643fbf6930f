"""
The console commands (thin PypeIt ``ScriptBase`` subclasses, see :mod:`~.base`).

Every command imports PypeIt's script base class, whose package imports PypeIt's
spectrographs, which need astropy's observatory list. So that every command also starts
on a machine without network access, importing this package first makes sure PypeIt's
observatories are known (:func:`pypeit_spit.io.sites.use_offline_sites`: nothing is done
when astropy already has its list, nothing is downloaded or written). This is the only
import-time action of pypeit-spit, and it happens only on the way into a command.
"""
from pypeit_spit.io.sites import use_offline_sites

use_offline_sites()
