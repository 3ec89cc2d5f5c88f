0: (bf) r6 = r1
1: (b7) r2 = 82
2: (bf) r1 = r6
3: (bf) r3 = r10
4: (07) r3 += -200
5: (b7) r4 = 2
6: (85) call bpf_skb_load_bytes#26
7: (55) if r0 != 0x0 goto pc+13
8: (69) r0 = *(u16 *)(r10 -200)
9: (55) if r0 != 0x2 goto pc+11
10: (b7) r2 = 84
11: (bf) r1 = r6
12: (bf) r3 = r10
13: (07) r3 += -200
14: (b7) r4 = 2
15: (85) call bpf_skb_load_bytes#26
16: (55) if r0 != 0x0 goto pc+4
17: (69) r0 = *(u16 *)(r10 -200)
18: (55) if r0 != 0x6 goto pc+2
19: (b4) w0 = -1
20: (95) exit
21: (b4) w0 = 0
22: (95) exit