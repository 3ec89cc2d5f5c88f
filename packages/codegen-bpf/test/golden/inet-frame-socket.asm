0: (bf) r6 = r1
1: (b7) r2 = 0
2: (bf) r3 = r10
3: (07) r3 += -150
4: (b7) r4 = 86
5: (85) call bpf_skb_load_bytes#26
6: (55) if r0 != 0x0 goto pc+8
7: (69) r0 = *(u16 *)(r10 -68)
8: (56) if w0 != 0x2 goto pc+4
9: (69) r0 = *(u16 *)(r10 -66)
10: (56) if w0 != 0x6 goto pc+2
11: (b4) w0 = -1
12: (95) exit
13: (b4) w0 = 0
14: (95) exit
15: (28) r0 = *(u16 *)skb[82]
16: (dc) r0 = be16 r0
17: (56) if w0 != 0x2 goto pc+5
18: (28) r0 = *(u16 *)skb[84]
19: (dc) r0 = be16 r0
20: (56) if w0 != 0x6 goto pc+2
21: (b4) w0 = -1
22: (95) exit
23: (b4) w0 = 0
24: (95) exit