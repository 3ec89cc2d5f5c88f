/*
 * Public API of @tfc/live: the live machinery of "tracing over net/" — pcap/pcapng captures (readers, writers,
 * block encoders for streaming) and the Wireshark dissector generator with tfc's own decode of records.
 * Invariant: re-exports only; no logic and no state here.
 */

export * from './capture/index.ts';
export * from './dissector/index.ts';
