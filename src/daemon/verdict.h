/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The verdict path: packet -> flow -> process -> rule -> verdict -> event,
 * once per queued packet (the nfq callback).
 */
struct nfq_packet;

/* Decide P; USERDATA is the struct daemon. */
void verdict_packet(void *userdata, const struct nfq_packet *p);
/* Drop cached user and interface names (they may have changed). */
void verdict_forget_names(void);
