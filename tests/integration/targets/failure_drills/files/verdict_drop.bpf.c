// SPDX-License-Identifier: GPL-3.0-or-later
// verdict_pass.bpf.c's program under the same name, dropping every packet.
#define VERDICT NETKIT_DROP
#include "verdict_pass.bpf.c"
