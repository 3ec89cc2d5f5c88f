// @tfc/compiler: the compile() pipeline that joins front ends, the IR and the targets. Never imports @tfc/kernel.

export * from './accepts-nothing.ts';
export * from './compile.ts';
export * from './compile-p4.ts';
export * from './compile-pcap.ts';
export * from './compile-tc.ts';
