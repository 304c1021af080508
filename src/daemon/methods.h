/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The control protocol's methods (docs/protocol.md), for control_open().
 */
#include "control/server.h"

/* Ended by {NULL, NULL}; each method's userdata is the struct daemon. */
extern const struct control_method daemon_methods[];
