/**
 * Where the agent's settings come from, and which one wins: command-line flags, then
 * environment variables, then config files (a later file over an earlier one), then the
 * `--dev` preset, then the defaults. Each source is collected into raw strings keyed by
 * setting name (config.ts's `AGENT_SETTINGS`), merged setting by setting — the highest
 * source that gives a setting gives all of it, a repeatable one included (flags'
 * `--join` replace the file's `join` list rather than adding to it, so what you see on the
 * command line is what runs) — and validated once by `agentConfigFrom`. An error names
 * the setting as its source spells it: `--bind`, `HEARSAY_BIND`, or `"bind" in
 * /etc/hearsay.json`.
 *
 * Environment: `HEARSAY_` + the setting name in upper case with `_` for `-`
 * (`HEARSAY_LOG_LEVEL`). Switches take 1/true/yes/on or 0/false/no/off. A repeatable
 * setting takes one value, or a JSON array of strings (`["user:a=./a.sh","./b.sh"]`); `join`
 * and `tag` also take a comma-separated list. `HEARSAY_CONFIG_FILE` names config files like
 * `--config-file` (one path, or a JSON array), used only when no `--config-file` is given.
 * Other `HEARSAY_*` variables are not the agent's (the CLI's commands read some) and are
 * reported as warnings, so a typo is visible without refusing to start.
 *
 * Config files: JSON objects whose keys are the setting names (`{"bind": "0.0.0.0:7946",
 * "tag": {"role": "web"}, "event-handler": ["user:deploy=./deploy.sh"]}`). Values are
 * strings, numbers, booleans for switches (false = not set), arrays for repeatable
 * settings, and for `tag` also an object. Unknown keys, other value types and files over
 * `CONFIG_FILE_BYTES_MAX` are refused. A file cannot name further files.
 *
 * I/O is injected (`readFile`), so tests need no disk; what reads the real environment and
 * disk is agent-command.ts.
 */

import {
  AGENT_SETTINGS,
  type AgentConfig,
  AgentConfigError,
  agentConfigFrom,
  type RawAgentSettings,
} from './config.ts';

/** A config file is a page of settings; more is a mistake (or not a config file). */
export const CONFIG_FILE_BYTES_MAX = 1 << 20;
/** Config files per start. */
export const CONFIG_FILES_MAX = 16;
export const ENV_PREFIX = 'HEARSAY_';
export const CONFIG_FILE_ENV = `${ENV_PREFIX}CONFIG_FILE`;

type RawValue = RawAgentSettings[string];

export interface ConfigSourceInput {
  /** Flag values by setting name (undefined: not given). */
  readonly flags: RawAgentSettings;
  /** `--config-file` paths, in order. */
  readonly configFiles: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a config file as text; throws as `fs.readFileSync` does. */
  readonly readFile: (path: string) => string;
}

export interface LoadedConfig {
  readonly config: AgentConfig;
  /** Things worth a log line at start (unknown `HEARSAY_*` variables). */
  readonly warnings: readonly string[];
}

const BY_NAME = new Map(AGENT_SETTINGS.map((s) => [s.name, s]));

/** `HEARSAY_LOG_LEVEL` for `log-level`. */
export function envName(setting: string): string {
  return `${ENV_PREFIX}${setting.toUpperCase().replaceAll('-', '_')}`;
}

const ENV_TO_SETTING = new Map(AGENT_SETTINGS.map((s) => [envName(s.name), s.name]));

function fileField(path: string, key: string): string {
  return `${JSON.stringify(key)} in ${path}`;
}

/** Collect, merge and validate; throws `AgentConfigError` naming the field as its source does. */
export function loadAgentConfig(input: ConfigSourceInput): LoadedConfig {
  const merged: Record<string, RawValue> = {};
  const origin = new Map<string, string>();
  const set = (name: string, value: RawValue, field: string): void => {
    if (value === undefined) return;
    merged[name] = value;
    origin.set(name, field);
  };

  const { values: fromEnv, files: envFiles, warnings } = readEnv(input.env);
  const files = input.configFiles.length > 0 ? input.configFiles : envFiles;
  const filesField = input.configFiles.length > 0 ? '--config-file' : CONFIG_FILE_ENV;
  if (files.length > CONFIG_FILES_MAX) {
    throw new AgentConfigError(filesField, `may name at most ${CONFIG_FILES_MAX} files`);
  }
  for (const path of files) {
    for (const [name, value] of Object.entries(readConfigFile(path, input.readFile, filesField))) {
      set(name, value, fileField(path, name));
    }
  }
  for (const [name, value] of Object.entries(fromEnv)) set(name, value, envName(name));
  for (const [name, value] of Object.entries(input.flags)) set(name, value, `--${name}`);

  const config = agentConfigFrom(merged, (name) => origin.get(name) ?? `--${name}`);
  return { config, warnings };
}

function readEnv(env: Readonly<Record<string, string | undefined>>): {
  values: Record<string, RawValue>;
  files: string[];
  warnings: string[];
} {
  const values: Record<string, RawValue> = {};
  const warnings: string[] = [];
  let files: string[] = [];
  for (const [key, text] of Object.entries(env)) {
    if (!key.startsWith(ENV_PREFIX) || text === undefined) continue;
    if (key === CONFIG_FILE_ENV) {
      files = text.trim().startsWith('[') ? jsonStrings(key, text) : [text];
      continue;
    }
    const name = ENV_TO_SETTING.get(key);
    if (name === undefined) {
      warnings.push(`${key} is set but is not a setting of the agent; ignored`);
      continue;
    }
    values[name] = envValue(name, key, text);
  }
  return { values, files, warnings };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

function envValue(name: string, key: string, text: string): RawValue {
  const row = BY_NAME.get(name)!;
  if (row.value === null) {
    const word = text.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw new AgentConfigError(
      key,
      `must be one of 1, true, yes, on, 0, false, no, off, got ${JSON.stringify(text)}`,
    );
  }
  if (!row.repeatable) return text;
  if (text.trim().startsWith('[')) return jsonStrings(key, text);
  if (row.commaList)
    return text
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  return [text];
}

function jsonStrings(field: string, text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AgentConfigError(
      field,
      `must be a JSON array of strings, got ${JSON.stringify(text)}`,
    );
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new AgentConfigError(
      field,
      `must be a JSON array of strings, got ${JSON.stringify(text)}`,
    );
  }
  return parsed;
}

/** One config file's settings as raw values; throws naming the file and the key. */
export function readConfigFile(
  path: string,
  readFile: (path: string) => string,
  filesField = '--config-file',
): Record<string, RawValue> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const why =
      (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
    throw new AgentConfigError(filesField, `names ${path}, which cannot be read (${why})`);
  }
  if (Buffer.byteLength(text) > CONFIG_FILE_BYTES_MAX) {
    throw new AgentConfigError(
      filesField,
      `names ${path}, which is over ${CONFIG_FILE_BYTES_MAX} bytes: not a config file`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new AgentConfigError(filesField, `names ${path}, which is not valid JSON: ${why}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AgentConfigError(
      filesField,
      `names ${path}, which must hold a JSON object of settings ({"bind": "…", …})`,
    );
  }
  const out: Record<string, RawValue> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const field = fileField(path, key);
    if (key === 'config-file') {
      throw new AgentConfigError(
        field,
        'is not allowed in a config file (files do not include files)',
      );
    }
    const row = BY_NAME.get(key);
    if (row === undefined) {
      throw new AgentConfigError(
        field,
        'is not a setting of the agent (keys are the flag names without dashes)',
      );
    }
    out[key] = fileValue(field, row, value);
  }
  return out;
}

function fileValue(field: string, row: (typeof AGENT_SETTINGS)[number], value: unknown): RawValue {
  if (row.value === null) {
    if (typeof value === 'boolean') return value;
    throw new AgentConfigError(field, `must be true or false, got ${JSON.stringify(value)}`);
  }
  const scalar = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw new AgentConfigError(field, `must be ${row.accepts}, got ${JSON.stringify(v)}`);
  };
  if (!row.repeatable) return scalar(value);
  if (Array.isArray(value)) return value.map(scalar);
  if (row.name === 'tag' && typeof value === 'object' && value !== null) {
    return Object.entries(value).map(([k, v]) => `${k}=${scalar(v)}`);
  }
  return [scalar(value)];
}
