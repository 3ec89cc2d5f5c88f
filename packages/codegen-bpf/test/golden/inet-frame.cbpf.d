(000) ldb      [83]
(001) lsh      #8
(002) tax      
(003) ldb      [82]
(004) or       x
(005) and      #0xffff
(006) jeq      #0x2             jt 7	jf 15
(007) ldb      [85]
(008) lsh      #8
(009) tax      
(010) ldb      [84]
(011) or       x
(012) and      #0xffff
(013) jeq      #0x6             jt 14	jf 15
(014) ret      #-1
(015) ret      #0
