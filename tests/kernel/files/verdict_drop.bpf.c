// SPDX-License-Identifier: GPL-3.0-or-later
// verdict.h dropping every packet (NETKIT_DROP).
#define VERDICT 2
#include "verdict.h"
