0: (bf) r6 = r1
1: (28) r0 = *(u16 *)skb[82]
2: (dc) r0 = be16 r0
3: (56) if w0 != 0x2 goto pc+5
4: (28) r0 = *(u16 *)skb[84]
5: (dc) r0 = be16 r0
6: (56) if w0 != 0x6 goto pc+2
7: (b4) w0 = -1
8: (95) exit
9: (b4) w0 = 0
10: (95) exit