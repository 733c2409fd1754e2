"""The exit codes of every command, in one table.

0  success; 1  the check ran and found problems (lint, gates, a failed release gate);
2  bad input (spec, manifest or option: the message names file, line and key);
3  a service the command needs (Prometheus) is unreachable or answered unusably;
4  inconclusive (an analysis with too little data to pass or fail);
130  interrupted (Ctrl-C): like a shell, 128 + SIGINT.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3
EXIT_INCONCLUSIVE = 4
EXIT_INTERRUPTED = 130
