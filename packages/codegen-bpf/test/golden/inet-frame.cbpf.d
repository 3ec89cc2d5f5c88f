(000) ldb      [83]
(001) lsh      #8
(002) tax      
(003) ldb      [82]
(004) or       x
(005) jeq      #0x2             jt 6	jf 13
(006) ldb      [85]
(007) lsh      #8
(008) tax      
(009) ldb      [84]
(010) or       x
(011) jeq      #0x6             jt 12	jf 13
(012) ret      #-1
(013) ret      #0
