#!/usr/bin/env node
// The npm bin shim: a .js file so that npm links it as is; Node 24 strips the types of the
// .ts modules it imports. All the logic is in src/cli/main.ts.
import { main } from '../src/cli/main.ts';

await main(process.argv);
