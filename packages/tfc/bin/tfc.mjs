#!/usr/bin/env node
// The installed `tfc` command: runs the TypeScript sources through tsx's loader (source-first workspace).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/bin.ts');
