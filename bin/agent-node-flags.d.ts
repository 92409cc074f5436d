/** The Node flags `hearsay agent` runs under (bin/agent-node-flags.js). */
export declare const AGENT_NODE_FLAGS: readonly string[];
