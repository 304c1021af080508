/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The packet and conntrack mark bits Picket owns. A verdict returns the
 * packet to its hook (NF_REPEAT) carrying one of the VERDICT marks; the
 * ruleset then acts on it in the kernel: ALLOW stamps the connection so its
 * later packets never reach user space, REJECT answers with a TCP RST or an
 * ICMP error. Other bits of both marks are left as they were, so Picket
 * coexists with policy routing or other tools that use marks.
 */
#define PICKET_MARK_ALLOW 0x10000000u  /* packet mark: verdict accept */
#define PICKET_MARK_REJECT 0x20000000u /* packet mark: verdict reject */
/* packet mark: a DNS message queued only to be read (a reply on input, a
 * query on a flow already allowed); the daemon parses it and passes it on at
 * once, never holds or drops it. */
#define PICKET_MARK_DNS 0x40000000u
#define PICKET_MARK_MASK (PICKET_MARK_ALLOW | PICKET_MARK_REJECT | PICKET_MARK_DNS)
#define PICKET_CTMARK_ALLOWED 0x10000000u /* conntrack mark: flow decided, allowed */
