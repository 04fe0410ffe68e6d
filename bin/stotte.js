#!/usr/bin/env node
// The CLI runs the TypeScript sources directly: there is no build step to forget after an edit.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
