// The Node flags `hearsay agent` runs under: bin/hearsay.js re-executes the agent with them
// (why is explained there), and bench/membership/rss-floor.ts gives them to every step of
// its ladder so the steps compare with the agent.
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=2'];
