// SPDX-License-Identifier: GPL-3.0-or-later
// verdict.h passing every packet on (NETKIT_NEXT).
#define VERDICT -1
#include "verdict.h"
