0: (bf) r6 = r1
1: (b7) r2 = 82
2: (bf) r1 = r6
3: (bf) r3 = r10
4: (07) r3 += -200
5: (b7) r4 = 2
6: (85) call bpf_skb_load_bytes#26
7: (55) if r0 != 0x0 goto pc+17
8: (69) r0 = *(u16 *)(r10 -200)
9: (57) r0 &= 65535
10: (15) if r0 == 0x2 goto pc+1
11: (05) goto pc+13
12: (b7) r2 = 84
13: (bf) r1 = r6
14: (bf) r3 = r10
15: (07) r3 += -200
16: (b7) r4 = 2
17: (85) call bpf_skb_load_bytes#26
18: (55) if r0 != 0x0 goto pc+6
19: (69) r0 = *(u16 *)(r10 -200)
20: (57) r0 &= 65535
21: (15) if r0 == 0x6 goto pc+1
22: (05) goto pc+2
23: (b4) w0 = -1
24: (95) exit
25: (b4) w0 = 0
26: (95) exit