"""The exit codes of every command, in one table.

0  success; 1  the check ran and found problems (lint, gates, a failed release gate), also when
   another SLO had no data;
2  bad input (spec, manifest, option or output target: the message names file, line and key, or
   the option); nothing is written and nothing is asked of Prometheus;
3  a service the command needs (Prometheus) is unreachable, timed out, or answered unusably (not
   the API's JSON or shape, an HTTP error, too large, a redirect to another origin);
4  inconclusive (an analysis with too little data to pass or fail; a gate SLO without data: no
   traffic, or values that are not data such as NaN, negative or missing errors);
130  interrupted (Ctrl-C): like a shell, 128 + SIGINT.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3
EXIT_INCONCLUSIVE = 4
EXIT_INTERRUPTED = 130
