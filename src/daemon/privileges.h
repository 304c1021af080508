/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Least privilege: once everything that needs more is open (netfilter
 * table, queue, control socket), picketd keeps only these capabilities,
 * for the reasons given, and drops the rest from its bounding set too:
 *
 *   CAP_NET_ADMIN        every nfnetlink message, verdicts included, and
 *                        removing the table at exit
 *   CAP_SYS_PTRACE       /proc/PID/{exe,fd,cwd,environ} of other users'
 *                        processes, to name the process behind a flow
 *   CAP_DAC_READ_SEARCH  /proc/PID/fd directories of other users
 *
 * It stays uid 0 so that it can write rule files in a root-owned rules
 * directory without CAP_DAC_OVERRIDE.
 */
/* Returns 0, or -errno (the caller decides whether that is fatal). */
int privileges_drop(void);
