0: (bf) r6 = r1
1: (69) r0 = *(u16 *)(r6 +28)
2: (15) if r0 == 0x2 goto pc+1
3: (05) goto pc+5
4: (69) r0 = *(u16 *)(r6 +30)
5: (15) if r0 == 0x6 goto pc+1
6: (05) goto pc+2
7: (b4) w0 = 1
8: (95) exit
9: (b4) w0 = 0
10: (95) exit