// SPDX-License-Identifier: GPL-3.0-or-later
// One program whose verdict is a constant in .rodata: two objects built from it with
// different VERDICTs differ in that constant only (same instructions, same tag).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile int verdict = VERDICT;

SEC("netkit/primary")
int verdict_primary(struct __sk_buff *skb)
{
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
