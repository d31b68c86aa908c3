// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright: (c) 2026, xcnf.netkit contributors
//
// IPv6 observer for netkit pairs: counts packets and bytes per direction and
// sends one event per IPv6 packet to a ring buffer. It never changes a verdict.
// Attach observe_primary to the primary hook (traffic the primary sends towards
// the peer) and observe_peer to the peer hook (traffic the peer sends back).

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// From enum netkit_action (include/uapi/linux/if_link.h, Linux 6.7); older
// distribution headers do not have it.
#define NETKIT_PASS 0

enum direction { TO_PEER = 0, FROM_PEER = 1 };

struct counters {
	__u64 packets;
	__u64 bytes;
};

struct ipv6_event {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 direction;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} ipv6_events SEC(".maps");

static __always_inline int observe(struct __sk_buff *skb, __u32 direction)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = data + sizeof(*eth);
	struct counters *count = bpf_map_lookup_elem(&counters, &direction);
	struct ipv6_event *event;

	if (count) {
		__sync_fetch_and_add(&count->packets, 1);
		__sync_fetch_and_add(&count->bytes, skb->len);
	}
	if ((void *)(ip6 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return NETKIT_PASS;
	event = bpf_ringbuf_reserve(&ipv6_events, sizeof(*event), 0);
	if (!event)
		return NETKIT_PASS;
	__builtin_memcpy(event->saddr, &ip6->saddr, sizeof(event->saddr));
	__builtin_memcpy(event->daddr, &ip6->daddr, sizeof(event->daddr));
	event->payload_len = bpf_ntohs(ip6->payload_len);
	event->nexthdr = ip6->nexthdr;
	event->hop_limit = ip6->hop_limit;
	event->direction = direction;
	__builtin_memset(event->pad, 0, sizeof(event->pad));
	bpf_ringbuf_submit(event, 0);
	return NETKIT_PASS;
}

SEC("netkit/primary")
int observe_primary(struct __sk_buff *skb)
{
	return observe(skb, TO_PEER);
}

SEC("netkit/peer")
int observe_peer(struct __sk_buff *skb)
{
	return observe(skb, FROM_PEER);
}

char LICENSE[] SEC("license") = "GPL";
