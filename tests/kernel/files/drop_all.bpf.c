// SPDX-License-Identifier: GPL-3.0-or-later
// A netkit program that drops every packet, to prove a swap takes effect.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NETKIT_DROP 2

SEC("netkit/primary")
int drop_all(struct __sk_buff *skb)
{
	return NETKIT_DROP;
}

SEC("netkit/peer")
int drop_all_peer(struct __sk_buff *skb)
{
	return NETKIT_DROP;
}

char LICENSE[] SEC("license") = "GPL";

// Not a netkit program: the module must refuse it.
SEC("xdp")
int not_netkit(struct xdp_md *ctx)
{
	return 2;
}

// Reads the packet without a bounds check: the verifier must refuse it.
SEC("netkit/primary")
int rejected(struct __sk_buff *skb)
{
	return *(char *)(long)skb->data;
}
