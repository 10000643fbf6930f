"""
pypeit-spit inside PypeIt: the configuration (:mod:`~.config`), PypeIt's header rules
and header evidence without side effects (:mod:`~.rules`), the typing decision
(:mod:`~.frametypes`), the hook that makes PypeIt's own setup use it (:mod:`~.hook`),
and ``.pypeit`` files (:mod:`~.pypeit_file`).
"""
