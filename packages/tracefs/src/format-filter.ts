// Canonical text of a parsed filter: predicates printed as `field[.ustring][.function] op value`
// with single spaces, `&&`/`||` between operands, `!` before negated leaves and groups, groups in
// parentheses only where precedence needs them. The output re-parses (for the same event and
// environment) to a filter with the same verdict on every record. Invariants: pure, deterministic,
// iterative (explicit stack; deep trees do not overflow the JS stack).

import type { Filter, FilterNode, Predicate } from './ast.ts';

function literalText(p: Predicate): string {
  switch (p.type) {
    case 'int':
    case 'cpu':
      return (p.field.signed ? BigInt.asIntN(64, p.value) : p.value).toString();
    case 'string': {
      const body = Buffer.from(p.literal).toString('utf8');
      return `${p.quote}${body}${p.quote}`;
    }
    case 'cpus':
      return `CPUS{${p.cpus.length === 0 ? ',' : p.cpus.join(',')}}`;
    case 'function':
      return `0x${p.start.toString(16)}`;
  }
}

export function formatPredicate(p: Predicate): string {
  const suffix = `${p.ustring ? '.ustring' : ''}${p.type === 'function' ? '.function' : ''}`;
  return `${p.field.name}${suffix} ${p.op} ${literalText(p)}`;
}

type Work =
  | { readonly node: FilterNode; readonly parent: 'and' | 'or' | 'not' | 'root' }
  | { readonly text: string };

export function formatFilter(filter: Filter | null): string {
  if (filter === null) return '0';
  const out: string[] = [];
  const stack: Work[] = [{ node: filter.tree, parent: 'root' }];
  while (stack.length > 0) {
    const w = stack.pop() as Work;
    if ('text' in w) {
      out.push(w.text);
      continue;
    }
    const { node, parent } = w;
    if (node.type === 'pred') {
      const p = filter.preds[node.index];
      out.push(p ? formatPredicate(p) : '');
      continue;
    }
    if (node.type === 'not') {
      out.push('!');
      stack.push({ node: node.operand, parent: 'not' });
      continue;
    }
    const paren = parent === 'not' || (parent === 'and' && node.type === 'or');
    const sep = node.type === 'and' ? ' && ' : ' || ';
    const items: Work[] = [];
    if (paren) items.push({ text: '(' });
    node.operands.forEach((o, i) => {
      if (i > 0) items.push({ text: sep });
      items.push({ node: o, parent: node.type });
    });
    if (paren) items.push({ text: ')' });
    for (let i = items.length - 1; i >= 0; i--) stack.push(items[i] as Work);
  }
  return out.join('');
}
