// Network hits for the raw tracepoint live proof, made in a private network namespace (its own loopback, at MTU 1500
// so that a bulk transfer grows the receive buffer: tcp_rcvbuf_grow; a veth pair, over which datagrams to absent
// neighbours send ARP requests, received through netif_rx: the receive path's entry and exit events; a second veth
// pair whose receiving peer has GRO on (set with SIOCETHTOOL from python3), received through napi_gro_receive; its own
// nftables rules): a child node process run with `ip netns exec` makes TCP connections over IPv4 and IPv6 with data
// both ways and a bulk transfer, a refused connection, an active reset, UDP to a closed port (connected, so the ICMP
// error reaches the socket), and — in `lossy` mode — connections whose packets the namespace's nftables drop: the
// client's SYN (the SYN is retransmitted: tcp_retransmit_skb), the handshake's last ACK (the server retransmits its
// SYN-ACK: tcp_retransmit_synack) and every fifth data segment (retransmits, congestion state changes); in `ping`
// mode a python child fills an ICMP socket's receive queue; in `hash` mode a python child connects over IPv4 and
// IPv6 to a listener that wants TCP-MD5 (tcp_hash_md5_required) and, signed, to one that does not
// (tcp_hash_md5_unexpected) and, with another key, to the first (tcp_hash_md5_mismatch), and sends SYNs with a
// wrong checksum through a raw socket (tcp_bad_csum).
// Invariants: nothing outside the namespace is touched; the namespace (with its rules) is deleted by dispose(); the
// child exits by itself (every socket closed, a hard timeout) and is awaited.
import { spawn, spawnSync } from 'node:child_process';
import { createNamespace, run } from '@tfc/iproute2';

const SYN_PORT = 7001;
const ACK_PORT = 7002;
const LOSS_PORT = 7003;
/** tfc0's subnet (tfc0 is .1): datagrams to absent neighbours send ARP requests to its veth peer tfc1. */
const SUBNET = '10.9.9';
/** tfc2's subnet: the same over a veth pair whose receiving peer tfc3 has GRO on (napi_gro_receive). */
const GRO_SUBNET = '10.9.8';

const RULES = `table inet tfc_raw {
  chain out {
    type filter hook output priority 0;
    tcp dport ${SYN_PORT} tcp flags & (syn | ack) == syn drop
    tcp dport ${ACK_PORT} tcp flags & (syn | ack | fin | rst) == ack drop
    tcp dport ${LOSS_PORT} meta length > 1000 numgen inc mod 5 == 0 drop
  }
}
`;

/** The child's program (CommonJS, run with -e): argv[1] is `plain` or `lossy`. */
const CHILD = `
const net = require('node:net');
const dgram = require('node:dgram');
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const quiet = (s) => { s.on('error', () => {}); return s; };
const listen = (port, host, onConn) => new Promise((res) => {
  const s = net.createServer((c) => { quiet(c); onConn(c); });
  s.listen(port, host, () => res(s));
});
async function echo(host) {
  const server = await listen(0, host, (c) => c.on('data', (d) => c.end(d)));
  const port = server.address().port;
  for (let i = 0; i < 2; i++)
    await new Promise((res) => {
      const c = quiet(net.createConnection(port, host, () => c.write('tfc raw')));
      c.on('data', () => c.end());
      c.on('close', res);
    });
  // a bulk transfer (receive buffer autotuning), then an active reset (SO_LINGER 0)
  await new Promise((res) => {
    const c = quiet(net.createConnection(port, host, () => {
      for (let i = 0; i < 64; i++) c.write(Buffer.alloc(65536, i));
      c.end();
    }));
    c.on('data', () => {});
    c.on('close', res);
  });
  await new Promise((res) => {
    const c = quiet(net.createConnection(port, host, () => { c.write('x'); setTimeout(() => c.resetAndDestroy(), 20); }));
    c.on('close', res);
  });
  await new Promise((res) => server.close(res));
  // refused: nobody listens on the port any more (tcp_send_reset without a socket, tcp_receive_reset)
  await new Promise((res) => { const c = quiet(net.createConnection(port, host)); c.on('close', res); });
  const u = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  u.on('error', () => {});
  await new Promise((res) => u.connect(9, host, res));
  for (let i = 0; i < 3; i++) { await new Promise((res) => u.send('x', () => res())); await wait(5); }
  u.close();
}
async function lossy(host) {
  const servers = [];
  for (const port of [${SYN_PORT}, ${ACK_PORT}, ${LOSS_PORT}]) servers.push(await listen(port, host, (c) => c.on('data', () => {})));
  const socks = [${SYN_PORT}, ${ACK_PORT}].map((p) => quiet(net.createConnection(p, host)));
  const c = quiet(net.createConnection(${LOSS_PORT}, host, () => { for (let i = 0; i < 48; i++) c.write(Buffer.alloc(16384, i)); }));
  socks.push(c);
  await wait(1300);
  for (const s of socks) s.destroy();
  for (const s of servers) s.close();
}
async function neighbours() {
  // datagrams to absent neighbours on tfc0's and tfc2's subnets: ARP requests over the veths, received through
  // netif_rx (tfc1) and napi_gro_receive (tfc3, GRO on)
  const u = dgram.createSocket('udp4');
  u.on('error', () => {});
  const base = 2 + Math.floor(Math.random() * 240);
  for (const subnet of ['${SUBNET}', '${GRO_SUBNET}'])
    for (let i = 0; i < 3; i++) await new Promise((res) => u.send('tfc', 9, subnet + '.' + (base + i), () => res()));
  await wait(20);
  u.close();
}
(async () => {
  const timer = setTimeout(() => process.exit(3), 10000);
  const mode = process.argv[1];
  await Promise.all(['127.0.0.1', '::1'].map((h) => (mode === 'lossy' ? lossy(h) : echo(h))));
  if (mode !== 'lossy') await neighbours();
  clearTimeout(timer);
})();
`;

/** An ICMP datagram ("ping") socket with the smallest receive buffer that never reads: the echo replies fill it
 *  (sock_rcvqueue_full). Python, as node has no ICMP sockets; the namespace allows ping sockets for root. */
const PING = `
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 0)
for i in range(8):
    s.sendto(struct.pack('!BBHHH', 8, 0, 0, 0, i) + b'x' * 1000, ('127.0.0.1', 0))
`;

/** TCP-MD5 on one side only and SYNs with a wrong checksum (setsockopt TCP_MD5SIG = 14 with a struct tcp_md5sig:
 *  the peer's sockaddr_storage, flags, prefix length, key length, ifindex, an 80-byte key). */
const HASH = `
import socket, struct, time
def md5sig(fam, addr, key):
    if fam == socket.AF_INET:
        sa = struct.pack('=H', fam) + struct.pack('!H', 0) + socket.inet_aton(addr)
    else:
        sa = struct.pack('=H', fam) + struct.pack('!HI', 0, 0) + socket.inet_pton(fam, addr) + struct.pack('=I', 0)
    return sa.ljust(128, bytes(1)) + struct.pack('=BBHi', 0, 0, len(key), 0) + key.ljust(80, bytes(1))
def csum(b):
    if len(b) % 2: b += bytes(1)
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
for fam, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    # a listener that wants MD5 from the host: a plain client's SYN (tcp_hash_md5_required)
    a = socket.socket(fam)
    a.setsockopt(socket.IPPROTO_TCP, 14, md5sig(fam, host, b'tfc-key'))
    a.bind((host, 0)); a.listen(4)
    # a plain listener: an MD5-signed client's SYN (tcp_hash_md5_unexpected)
    b = socket.socket(fam); b.bind((host, 0)); b.listen(4)
    # and a client signing with another key than the listener's (tcp_hash_md5_mismatch)
    for port, key in ((a.getsockname()[1], None), (b.getsockname()[1], b'tfc-key'), (a.getsockname()[1], b'other')):
        c = socket.socket(fam); c.settimeout(0.3)
        if key: c.setsockopt(socket.IPPROTO_TCP, 14, md5sig(fam, host, key))
        try: c.connect((host, port))
        except OSError: pass
        c.close()
    # SYNs with a wrong checksum to the plain listener (tcp_bad_csum)
    r = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
    ip = socket.inet_pton(fam, host)
    for i in range(3):
        hdr = struct.pack('!HHIIBBHHH', 40000 + i, b.getsockname()[1], 1000 + i, 0, 5 << 4, 0x02, 65535, 0, 0)
        pseudo = ip * 2 + (struct.pack('!BBH', 0, 6, len(hdr)) if fam == socket.AF_INET else struct.pack('!IxxxB', len(hdr), 6))
        r.sendto(hdr[:16] + struct.pack('!H', csum(pseudo + hdr) ^ 0x5a5a) + hdr[18:], (host, 0))
    for s in (a, b, r): s.close()
time.sleep(0.05)
`;

/** SIOCETHTOOL (0x8946): ETHTOOL_SGRO (0x2c) on for the receiving peer (argv 1), ETHTOOL_STSO (0x1f) off for the
 *  sender (argv 2): veth then hands the sender's frames to the peer's NAPI (napi_gro_receive), which it does only
 *  with GRO requested and for a sender without TSO (veth_skb_is_eligible_for_gro). No ethtool binary needed. */
const GRO = `
import ctypes, fcntl, socket, struct, sys
def ethtool(dev, cmd, data):
    value = ctypes.create_string_buffer(struct.pack('=II', cmd, data))
    fcntl.ioctl(socket.socket(), 0x8946, struct.pack('16sP', dev.encode(), ctypes.addressof(value)).ljust(40, bytes(1)))
ethtool(sys.argv[1], 0x2c, 1)
ethtool(sys.argv[2], 0x1f, 0)
`;

export interface Traffic {
  /** Makes one round of hits; resolves when the child has exited (its exit code, 0 when all went well). */
  readonly round: (mode: 'plain' | 'lossy' | 'ping' | 'hash') => Promise<number | null>;
  /** Whether the `ping` and `hash` rounds can run, or why not (no python3). */
  readonly ping: true | string;
  /** Whether the GRO veth pair receives through NAPI (napi_gro_receive), or why not. */
  readonly gro: true | string;
  readonly dispose: () => Promise<void>;
}

/** A namespace with loopback up and the rules above, or why not. */
export async function openTraffic(): Promise<Traffic | string> {
  const ns = await createNamespace('tfcraw');
  if (!ns.ok) return `cannot create a network namespace: ${ns.error.message}`;
  const name = ns.value.name;
  for (const args of [
    ['link', 'set', 'lo', 'mtu', '1500', 'up'],
    ['link', 'add', 'tfc0', 'type', 'veth', 'peer', 'name', 'tfc1'],
    ['link', 'set', 'tfc1', 'up'],
    ['addr', 'add', `${SUBNET}.1/24`, 'dev', 'tfc0'],
    ['link', 'set', 'tfc0', 'up'],
  ]) {
    const r = await run('ip', ['-n', name, ...args]);
    if (!r.ok) {
      await ns.value.dispose();
      return `ip ${args.join(' ')}: ${r.error.message}`;
    }
  }
  const rules = await new Promise<string | undefined>((res) => {
    const p = spawn('ip', ['netns', 'exec', name, 'nft', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', (e) => res(e.message));
    p.on('exit', (code) => res(code === 0 ? undefined : `nft: ${err.trim() || `exit ${code}`}`));
    p.stdin.end(RULES);
  });
  if (rules !== undefined) {
    await ns.value.dispose();
    return rules;
  }
  const ping = await run('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv4.ping_group_range=0 0']);
  const python = spawnSync('python3', ['-c', 'import socket'], { stdio: 'ignore' }).status === 0;
  const gro = python ? await groPair(name) : 'no python3';
  const exec = (argv: readonly string[]): Promise<number | null> =>
    new Promise((res) => {
      const p = spawn('ip', ['netns', 'exec', name, ...argv], { stdio: 'ignore' });
      p.on('error', () => res(null));
      p.on('exit', (code) => res(code));
    });
  return {
    round: (mode) =>
      mode === 'ping' || mode === 'hash'
        ? exec(['python3', '-c', mode === 'ping' ? PING : HASH])
        : exec([process.execPath, '-e', CHILD, mode]),
    ping: !ping.ok ? `sysctl ping_group_range: ${ping.error.message}` : !python ? 'no python3' : true,
    gro,
    dispose: () => ns.value.dispose(),
  };
}

/** The veth pair tfc2 (GRO_SUBNET.1) / tfc3 with GRO on tfc3 and TSO off on tfc2, both up; true, or why not. */
async function groPair(ns: string): Promise<true | string> {
  const link = await run('ip', ['-n', ns, 'link', 'add', 'tfc2', 'type', 'veth', 'peer', 'name', 'tfc3']);
  if (!link.ok) return `ip link add tfc2: ${link.error.message}`;
  const set = spawnSync('ip', ['netns', 'exec', ns, 'python3', '-c', GRO, 'tfc3', 'tfc2'], {
    encoding: 'utf8',
  });
  if (set.status !== 0) return `SIOCETHTOOL (GRO on, TSO off): ${set.stderr.trim() || `exit ${set.status}`}`;
  for (const args of [
    ['link', 'set', 'tfc3', 'up'],
    ['addr', 'add', `${GRO_SUBNET}.1/24`, 'dev', 'tfc2'],
    ['link', 'set', 'tfc2', 'up'],
  ]) {
    const r = await run('ip', ['-n', ns, ...args]);
    if (!r.ok) return `ip ${args.join(' ')}: ${r.error.message}`;
  }
  return true;
}
