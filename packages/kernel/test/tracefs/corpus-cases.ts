// Kernel verdicts recorded by the researchers on Linux 6.18.44 (corpus/tracefs-kernel-6.18,
// results_*.json, event fspecr/pv), re-expressed for the oracle event. Invariants: data only; the
// fspecr fields a8/a16/a32/a64 are renamed u8/u16/u32/u64 (same lengths, so caret columns are
// unchanged); every other fspecr field used here (s8..s64, x32, str, comm, cpu) has the same name
// and value derivation in the oracle event (all integer members carry the case's `a`); error_log
// text is without its "[timestamp] " prefix.
export type CorpusCase = {
  readonly source: string;
  readonly filter: string;
  readonly errno: string | null;
  readonly filterFile: string;
  readonly errorLog: string;
  readonly comm: string | null;
  readonly cases: readonly {
    readonly a?: string;
    readonly str?: string;
    readonly cpu?: number;
    readonly kept: boolean;
  }[];
};

export const CORPUS_CASES: readonly CorpusCase[] = [
  {
    source: 'results_numeric.json',
    filter: 'u8 == 256',
    errno: null,
    filterFile: 'u8 == 256\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: true,
      },
      {
        a: '256',
        str: 'hello',
        kept: true,
      },
      {
        a: '1',
        str: 'hello',
        kept: false,
      },
    ],
  },
  {
    source: 'results_numeric.json',
    filter: 's8 > 200',
    errno: null,
    filterFile: 's8 > 200\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: true,
      },
      {
        a: '192',
        str: 'hello',
        kept: false,
      },
      {
        a: '208',
        str: 'hello',
        kept: true,
      },
    ],
  },
  {
    source: 'results_numeric.json',
    filter: 'u8 == -1',
    errno: 'EINVAL',
    filterFile: 'u8 == -1\n       ^\nparse_error: Illegal integer value\n\n',
    errorLog:
      'event filter parse error: error: Illegal integer value\n  Command: u8 == -1\n                  ^\n',
    comm: null,
    cases: [],
  },
  {
    source: 'results_numeric.json',
    filter: 's16 > 40000',
    errno: null,
    filterFile: 's16 > 40000\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: true,
      },
      {
        a: '40000',
        str: 'hello',
        kept: false,
      },
      {
        a: '40001',
        str: 'hello',
        kept: true,
      },
    ],
  },
  {
    source: 'results_numeric.json',
    filter: 's64 == -9223372036854775808',
    errno: null,
    filterFile: 's64 == -9223372036854775808\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '9223372036854775808',
        str: 'hello',
        kept: true,
      },
      {
        a: '0',
        str: 'hello',
        kept: false,
      },
    ],
  },
  {
    source: 'results_numeric.json',
    filter: 'u64 == 18446744073709551615',
    errno: null,
    filterFile: 'u64 == 18446744073709551615\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '-1',
        str: 'hello',
        kept: true,
      },
      {
        a: '0',
        str: 'hello',
        kept: false,
      },
    ],
  },
  {
    source: 'results_numeric.json',
    filter: 's64 == 9223372036854775808',
    errno: 'EINVAL',
    filterFile: 's64 == 9223372036854775808\n        ^\nparse_error: Illegal integer value\n\n',
    errorLog:
      'event filter parse error: error: Illegal integer value\n  Command: s64 == 9223372036854775808\n                   ^\n',
    comm: null,
    cases: [],
  },
  {
    source: 'results_numeric.json',
    filter: 'u32 & 3',
    errno: null,
    filterFile: 'u32 & 3\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '4',
        str: 'hello',
        kept: false,
      },
      {
        a: '5',
        str: 'hello',
        kept: true,
      },
      {
        a: '2',
        str: 'hello',
        kept: true,
      },
    ],
  },
  {
    source: 'results_numeric.json',
    filter: 'u16 == 010',
    errno: null,
    filterFile: 'u16 == 010\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '8',
        str: 'hello',
        kept: true,
      },
      {
        a: '10',
        str: 'hello',
        kept: false,
      },
    ],
  },
  {
    source: 'results_numeric.json',
    filter: 'u16 == +5',
    errno: 'EINVAL',
    filterFile: 'u16 == +5\n        ^\nparse_error: Invalid value (did you forget quotes)?\n\n',
    errorLog:
      'event filter parse error: error: Invalid value (did you forget quotes)?\n  Command: u16 == +5\n                   ^\n',
    comm: null,
    cases: [],
  },
  {
    source: 'results_numeric.json',
    filter: 'u64 == 000000000000000000000001',
    errno: 'EINVAL',
    filterFile:
      'u64 == 000000000000000000000001\n                               ^\nparse_error: Operand too long\n\n',
    errorLog:
      'event filter parse error: error: Operand too long\n  Command: u64 == 000000000000000000000001\n                                           ^\n',
    comm: null,
    cases: [],
  },
  {
    source: 'results_strings.json',
    filter: 'str ~ "!hel*"',
    errno: null,
    filterFile: 'str ~ "!hel*"\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: false,
      },
      {
        a: '0',
        str: 'hell',
        kept: false,
      },
      {
        a: '0',
        str: 'hello2',
        kept: false,
      },
      {
        a: '0',
        str: 'xhello',
        kept: true,
      },
      {
        a: '0',
        str: 'HELLO',
        kept: true,
      },
      {
        a: '0',
        str: '',
        kept: true,
      },
      {
        a: '0',
        str: 'h*llo',
        kept: true,
      },
      {
        a: '0',
        str: 'he[l]lo',
        kept: true,
      },
      {
        a: '0',
        str: '1*',
        kept: true,
      },
    ],
  },
  {
    source: 'results_strings.json',
    filter: 'str ~ "h[!e]llo"',
    errno: null,
    filterFile: 'str ~ "h[!e]llo"\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: false,
      },
      {
        a: '0',
        str: 'hell',
        kept: false,
      },
      {
        a: '0',
        str: 'hello2',
        kept: false,
      },
      {
        a: '0',
        str: 'xhello',
        kept: false,
      },
      {
        a: '0',
        str: 'HELLO',
        kept: false,
      },
      {
        a: '0',
        str: '',
        kept: false,
      },
      {
        a: '0',
        str: 'h*llo',
        kept: true,
      },
      {
        a: '0',
        str: 'he[l]lo',
        kept: false,
      },
      {
        a: '0',
        str: '1*',
        kept: false,
      },
    ],
  },
  {
    source: 'results_strings.json',
    filter: 'str ~ "*llo"',
    errno: null,
    filterFile: 'str ~ "*llo"\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: true,
      },
      {
        a: '0',
        str: 'hell',
        kept: false,
      },
      {
        a: '0',
        str: 'hello2',
        kept: false,
      },
      {
        a: '0',
        str: 'xhello',
        kept: true,
      },
      {
        a: '0',
        str: 'HELLO',
        kept: false,
      },
      {
        a: '0',
        str: '',
        kept: false,
      },
      {
        a: '0',
        str: 'h*llo',
        kept: true,
      },
      {
        a: '0',
        str: 'he[l]lo',
        kept: false,
      },
      {
        a: '0',
        str: '1*',
        kept: false,
      },
    ],
  },
  {
    source: 'results_strings.json',
    filter: 'comm ~ "*abc"',
    errno: null,
    filterFile: 'comm ~ "*abc"\n',
    errorLog: '',
    comm: 'fspecabc',
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: false,
      },
    ],
  },
  {
    source: 'results_strings.json',
    filter: 'comm ~ "*abc"',
    errno: null,
    filterFile: 'comm ~ "*abc"\n',
    errorLog: '',
    comm: 'abc',
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: false,
      },
    ],
  },
  {
    source: 'results_strings.json',
    filter: 'comm ~ "*ab[c]"',
    errno: null,
    filterFile: 'comm ~ "*ab[c]"\n',
    errorLog: '',
    comm: 'fspecabc',
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: true,
      },
    ],
  },
  {
    source: 'results_strings.json',
    filter: 'cpu & CPUS{1}',
    errno: null,
    filterFile: 'cpu & CPUS{1}\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        cpu: 0,
        kept: false,
      },
      {
        cpu: 1,
        kept: true,
      },
    ],
  },
  {
    source: 'results_extra.json',
    filter: 'u32 & CPUS{0-1}',
    errno: null,
    filterFile: 'u32 & CPUS{0-1}\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: true,
      },
      {
        a: '1',
        str: 'hello',
        kept: true,
      },
      {
        a: '2',
        str: 'hello',
        kept: false,
      },
      {
        a: '4294967297',
        str: 'hello',
        kept: true,
      },
      {
        a: '4294967295',
        str: 'hello',
        kept: false,
      },
    ],
  },
  {
    source: 'results_strings.json',
    filter: 'u32 & CPUS{1,3}',
    errno: 'EINVAL',
    filterFile: 'u32 & CPUS{1,3}\n               ^\nparse_error: Invalid cpulist\n\n',
    errorLog:
      'event filter parse error: error: Invalid cpulist\n  Command: u32 & CPUS{1,3}\n                          ^\n',
    comm: null,
    cases: [],
  },
  {
    source: 'results_syntax.json',
    filter: 'str == "x',
    errno: 'ESRCH',
    filterFile: 'str == "x\n       ^\nparse_error: Missing matching quote\n\n',
    errorLog:
      'event filter parse error: error: Missing matching quote\n  Command: str == "x\n                  ^\n',
    comm: null,
    cases: [],
  },
  {
    source: 'results_syntax.json',
    filter: '(',
    errno: 'ENOENT',
    filterFile: "(\n^\nparse_error: Too many '('\n\n",
    errorLog: "event filter parse error: error: Too many '('\n  Command: (\n           ^\n",
    comm: null,
    cases: [],
  },
  {
    source: 'results_syntax.json',
    filter: ')',
    errno: 'EPERM',
    filterFile: ")\n^\nparse_error: Too few '('\n\n",
    errorLog: "event filter parse error: error: Too few '('\n  Command: )\n           ^\n",
    comm: null,
    cases: [],
  },
  {
    source: 'results_numeric.json',
    filter: 'str < "a"',
    errno: 'EINVAL',
    filterFile: 'str < "a"\n       ^\nparse_error: Illegal operation for field type\n\n',
    errorLog:
      'event filter parse error: error: Illegal operation for field type\n  Command: str < "a"\n                  ^\n',
    comm: null,
    cases: [],
  },
  {
    source: 'results_strings.json',
    filter: 'str ~ "1*"',
    errno: null,
    filterFile: 'str ~ "1*"\n',
    errorLog: '',
    comm: null,
    cases: [
      {
        a: '0',
        str: 'hello',
        kept: false,
      },
      {
        a: '0',
        str: 'hell',
        kept: false,
      },
      {
        a: '0',
        str: 'hello2',
        kept: false,
      },
      {
        a: '0',
        str: 'xhello',
        kept: false,
      },
      {
        a: '0',
        str: 'HELLO',
        kept: false,
      },
      {
        a: '0',
        str: '',
        kept: false,
      },
      {
        a: '0',
        str: 'h*llo',
        kept: false,
      },
      {
        a: '0',
        str: 'he[l]lo',
        kept: false,
      },
      {
        a: '0',
        str: '1*',
        kept: true,
      },
    ],
  },
  {
    source: 'results_syntax.json',
    filter: '== 1',
    errno: 'EPERM',
    filterFile: '== 1\nError: (0)\n\n',
    errorLog: 'event filter parse error: error: Error\n  Command: == 1\n           ^\n',
    comm: null,
    cases: [],
  },
];
