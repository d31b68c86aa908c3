// SPDX-License-Identifier: GPL-3.0-or-later
// Netkit programs that let every packet on to the next program, to order several on a hook.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NETKIT_NEXT -1

SEC("netkit/primary")
int chain_one(struct __sk_buff *skb)
{
	return NETKIT_NEXT;
}

SEC("netkit/primary")
int chain_two(struct __sk_buff *skb)
{
	return NETKIT_NEXT + 0 * skb->len;
}

SEC("netkit/primary")
int chain_three(struct __sk_buff *skb)
{
	return NETKIT_NEXT + 0 * skb->mark;
}

SEC("netkit/primary")
int chain_foreign(struct __sk_buff *skb)
{
	return NETKIT_NEXT + 0 * skb->priority;
}

char LICENSE[] SEC("license") = "GPL";
