/**
 * Headless SVG rendering of a Vega-Lite spec: compile to Vega, run a View with the
 * 'none' renderer (no DOM, no canvas) and serialise the scenegraph to SVG.
 *
 * Vega-Lite reports questionable specs through a logger rather than by throwing; this
 * module turns its warnings into an error, so a chart that would silently drop a series
 * fails the report (and the spec tests) instead.
 */

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega logger (vega-util's LoggerInterface, structurally) that keeps what it is told. */
class WarningCollector {
  readonly warnings: string[] = [];
  #level = 0;
  level(l?: number): number | this {
    if (l === undefined) return this.#level;
    this.#level = l;
    return this;
  }
  error(...args: unknown[]): this {
    this.warnings.push(args.map(String).join(' '));
    return this;
  }
  warn(...args: unknown[]): this {
    return this.error(...args);
  }
  info(): this {
    return this;
  }
  debug(): this {
    return this;
  }
}

/** Compile a Vega-Lite spec, throwing on errors and on warnings. */
export function compileSpec(spec: TopLevelSpec): vega.Spec {
  const logger = new WarningCollector();
  const compiled = compile(spec, { logger });
  if (logger.warnings.length > 0) {
    throw new Error(`invalid chart spec: ${logger.warnings.join('; ')}`);
  }
  return compiled.spec;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compileSpec(spec)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
