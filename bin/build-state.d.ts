/** Whether dist/ holds a build at least as new as every source file (bin/build-state.js). */
export declare function buildState(root?: URL): 'fresh' | 'missing' | 'stale';
