typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
static long (*bpf_probe_read_kernel)(void *dst, u32 size, const void *src) = (void *)113;
static u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static u32 (*bpf_get_smp_processor_id)(void) = (void *)8;
static long (*bpf_get_current_comm)(void *buf, u32 size) = (void *)16;
static long (*bpf_skb_load_bytes)(const void *skb, u32 offset, void *to, u32 len) = (void *)26;

__attribute__((section("tracepoint/sock/inet_sock_set_state"), used))
int tfc_filter(void *ctx)
{
  goto n3;
n3: {
    u64 t0 = (u64)(*(u16 *)((u8 *)ctx + 28));
    if ((u16)t0 == (u16)0x2ULL) goto n4; else goto reject;
  }
n4: {
    u64 t1 = (u64)(*(u16 *)((u8 *)ctx + 30));
    if ((u16)t1 == (u16)0x6ULL) goto accept; else goto reject;
  }
accept:
  return (int)1U;
reject:
  return (int)0U;
}

__attribute__((section("license"), used)) char _license[] = "GPL";
