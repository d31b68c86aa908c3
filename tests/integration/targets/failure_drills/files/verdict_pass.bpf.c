// SPDX-License-Identifier: GPL-3.0-or-later
// A primary-hook program named verdict that returns VERDICT: NETKIT_PASS here, NETKIT_DROP
// in verdict_drop.bpf.c, which includes this file. The failure drill replaces one object
// file with the other while the program of the first is attached.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* enum netkit_action of linux/if_link.h (6.7+; the build machines have older headers) */
#define NETKIT_PASS 0
#define NETKIT_DROP 2

#ifndef VERDICT
#define VERDICT NETKIT_PASS
#endif

SEC("netkit/primary")
int verdict(struct __sk_buff *skb)
{
	return VERDICT;
}

char LICENSE[] SEC("license") = "GPL";
