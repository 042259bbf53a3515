#!/usr/bin/env python3
"""measure.py - run one command several times and report its best time and its peak memory.

    python3 bench/measure.py RUNS STDOUT_FILE STDERR_FILE -- COMMAND [ARGS...]

Runs COMMAND RUNS times (standard input from /dev/null, standard output to STDOUT_FILE,
standard error of the last run to STDERR_FILE) and prints one line on its own standard output,
four numbers for a shell's "set --":

    WALL CPU RSS_KB STATUS

WALL is the best wall-clock time in seconds, CPU the user+system seconds of that same run,
RSS_KB the highest peak resident set size of all runs, STATUS the last run's exit status.

Times come from time.monotonic() around fork/exec/wait; user, system time and peak resident
set size from wait4()'s rusage for exactly that child (not the sum of all children).  The best
(lowest) wall time of the runs is the figure of merit, as usual for throughput on a machine
that may be busy with other work; cpu is reported beside it so that a busy machine shows.
"""
import os
import subprocess
import sys
import time


def run_once(cmd, out_path, err_path):
    with open(os.devnull, "rb") as devnull_in, open(out_path, "wb") as out, \
            open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=devnull_in, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.monotonic()
        p.returncode = os.waitstatus_to_exitcode(status)
    return t1 - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode


def main():
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        sys.stderr.write("usage: measure.py RUNS STDOUT_FILE STDERR_FILE -- COMMAND [ARGS...]\n")
        return 2
    runs, out_path, err_path, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[5:]
    best = None
    rss = 0
    for _ in range(max(1, runs)):
        wall, cpu, maxrss, status = run_once(cmd, out_path, err_path)
        rss = max(rss, maxrss)
        if best is None or wall < best[0]:
            best = (wall, cpu)
    print("%.4f %.4f %d %d" % (best[0], best[1], rss, status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
