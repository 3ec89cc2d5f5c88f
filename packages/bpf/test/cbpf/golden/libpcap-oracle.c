/* Golden-file oracle: reads a program in tcpdump -ddd form on stdin and prints it with libpcap's own bpf_dump()
 * (d = tcpdump -d, dd = -dd, ddd = -ddd), runs bpf_validate(), or runs bpf_filter() on each hex packet argument
 * and prints the return value (one per line). Declares the few libpcap prototypes itself (no libpcap-dev needed).
 * Build: gcc -O1 -o oracle libpcap-oracle.c -l:libpcap.so.0.8 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct bpf_insn { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct bpf_program { unsigned int bf_len; struct bpf_insn *bf_insns; };
char *bpf_image(const struct bpf_insn *, int);
void bpf_dump(const struct bpf_program *, int);
unsigned int bpf_filter(const struct bpf_insn *, const unsigned char *, unsigned int, unsigned int);
int bpf_validate(const struct bpf_insn *, int);
/* usage: oracle MODE < prog(ddd: N then lines)  MODE: d|dd|ddd|validate|filter HEX... */
int main(int argc, char **argv) {
  int n; if (scanf("%d", &n) != 1) return 2;
  struct bpf_insn *p = calloc(n ? n : 1, sizeof *p);
  for (int i = 0; i < n; i++) { unsigned c, t, f, k; if (scanf("%u %u %u %u", &c, &t, &f, &k) != 4) return 3; p[i].code=c; p[i].jt=t; p[i].jf=f; p[i].k=k; }
  struct bpf_program prog = { n, p };
  if (!strcmp(argv[1], "d")) bpf_dump(&prog, 1);
  else if (!strcmp(argv[1], "dd")) bpf_dump(&prog, 2);
  else if (!strcmp(argv[1], "ddd")) bpf_dump(&prog, 3);
  else if (!strcmp(argv[1], "validate")) printf("%d\n", bpf_validate(p, n));
  else if (!strcmp(argv[1], "filter")) {
    for (int a = 2; a < argc; a++) {
      size_t L = strlen(argv[a]) / 2; unsigned char *b = malloc(L + 1);
      for (size_t i = 0; i < L; i++) sscanf(argv[a] + 2*i, "%2hhx", &b[i]);
      printf("%u\n", bpf_filter(p, b, L, L)); free(b);
    }
  }
  return 0;
}
