0: (bf) r6 = r1
1: (b7) r2 = 82
2: (bf) r1 = r6
3: (bf) r3 = r10
4: (07) r3 += -200
5: (b7) r4 = 2
6: (85) call bpf_skb_load_bytes#26
7: (55) if r0 != 0x0 goto pc+15
8: (69) r0 = *(u16 *)(r10 -200)
9: (15) if r0 == 0x2 goto pc+1
10: (05) goto pc+12
11: (b7) r2 = 84
12: (bf) r1 = r6
13: (bf) r3 = r10
14: (07) r3 += -200
15: (b7) r4 = 2
16: (85) call bpf_skb_load_bytes#26
17: (55) if r0 != 0x0 goto pc+5
18: (69) r0 = *(u16 *)(r10 -200)
19: (15) if r0 == 0x6 goto pc+1
20: (05) goto pc+2
21: (b4) w0 = -1
22: (95) exit
23: (b4) w0 = 0
24: (95) exit