// A small typed reader for environment configuration. Only a service's main.ts calls loadConfig(); everything
// below it receives the frozen result. Every failure is a ConfigError whose message is one line naming the
// variable, the offending value and what is allowed, so a misconfigured container says exactly what to fix.
import { AppError, PlatformErrors } from './errors.ts';

interface VarBase {
  /** Never echo the value in error messages (passwords, tokens). */
  readonly secret?: boolean;
  /** The variable is required when the named one is set, e.g. a SASL password once a mechanism is chosen. */
  readonly requiredWith?: string;
  /** Variables that must not be set together with this one, e.g. REDIS_URL and REDIS_CLUSTER_NODES. */
  readonly conflictsWith?: readonly string[];
}

export interface StringVar extends VarBase {
  readonly type: 'string';
  readonly default?: string;
  readonly optional?: boolean;
  readonly pattern?: RegExp;
  /** Human description of `pattern`, used in error messages. */
  readonly allowed?: string;
}

export interface IntVar extends VarBase {
  readonly type: 'int';
  readonly default?: number;
  readonly optional?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export interface UrlVar extends VarBase {
  readonly type: 'url';
  readonly default?: string;
  readonly optional?: boolean;
  /** Allowed schemes without the colon, e.g. ['redis', 'rediss']. */
  readonly protocols?: readonly string[];
}

export interface EnumVar<V extends string = string> extends VarBase {
  readonly type: 'enum';
  readonly values: readonly V[];
  readonly default?: NoInfer<V>;
  readonly optional?: boolean;
}

export interface BoolVar extends VarBase {
  readonly type: 'bool';
  readonly default?: boolean;
  readonly optional?: boolean;
}

/** A duration such as `500ms`, `30s`, `5m`, `1h`, `1d`, or a plain number of milliseconds; read as milliseconds. */
export interface DurationVar extends VarBase {
  readonly type: 'duration';
  readonly default?: number | string;
  readonly optional?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** A comma-separated list; empty items are dropped. */
export interface ListVar extends VarBase {
  readonly type: 'list';
  readonly default?: readonly string[];
  readonly optional?: boolean;
  readonly pattern?: RegExp;
  readonly allowed?: string;
}

export type VarSpec = StringVar | IntVar | UrlVar | EnumVar | BoolVar | DurationVar | ListVar;

export type ConfigSpec = Readonly<Record<string, VarSpec>>;

type VarValue<V extends VarSpec> =
  V extends EnumVar<infer E>
    ? E
    : V extends IntVar | DurationVar
      ? number
      : V extends BoolVar
        ? boolean
        : V extends ListVar
          ? readonly string[]
          : string;

type IsOptional<V extends VarSpec> = V extends { readonly default: unknown }
  ? false
  : V extends { readonly optional: true }
    ? true
    : V extends { readonly requiredWith: string }
      ? true
      : false;

/** The loaded configuration: one property per variable, named as in the environment. */
export type Config<S extends ConfigSpec> = {
  readonly [K in keyof S]: IsOptional<S[K]> extends true ? VarValue<S[K]> | undefined : VarValue<S[K]>;
};

/** Keeps literal types of a spec (enum values, `optional: true`) so Config<> can infer from it. */
export function defineConfig<const S extends ConfigSpec>(spec: S): S {
  return spec;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** An AppError of PlatformErrors (code CONFIG_INVALID, not retriable) that also names the variable. */
export class ConfigError extends AppError<'CONFIG_INVALID'> {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super('CONFIG_INVALID', PlatformErrors.definitions.CONFIG_INVALID, message);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export function loadConfig<const S extends ConfigSpec>(spec: S, env: Env): Config<S> {
  const config: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    const raw = env[name]?.trim();
    config[name] = raw === undefined || raw === '' ? absent(name, variable, spec, env) : parse(name, variable, raw);
  }
  for (const [name, variable] of Object.entries(spec)) {
    const other = variable.conflictsWith?.find((conflicting) => isSet(env[name]) && isSet(env[conflicting]));
    if (other !== undefined) {
      throw new ConfigError(name, `${name} and ${other} are both set; set only one of them`);
    }
  }
  for (const value of Object.values(config)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(config) as Config<S>;
}

function absent(name: string, variable: VarSpec, spec: ConfigSpec, env: Env): unknown {
  if (variable.default !== undefined) {
    return typeof variable.default === 'string' && variable.type !== 'string' && variable.type !== 'enum'
      ? parse(name, variable, variable.default)
      : variable.default;
  }
  const trigger = variable.requiredWith;
  if (trigger !== undefined) {
    if (!isSet(env[trigger])) return undefined;
    throw new ConfigError(
      name,
      `${name} is not set; it is required when ${trigger} is set (${describe(trigger, spec)})`,
    );
  }
  if (variable.optional === true) return undefined;
  throw new ConfigError(name, `${name} is not set; expected ${allowed(variable)}`);
}

function parse(name: string, variable: VarSpec, raw: string): unknown {
  const fail = (): never => {
    const shown = variable.secret === true ? '(hidden)' : JSON.stringify(raw);
    throw new ConfigError(name, `${name}=${shown} is invalid; expected ${allowed(variable)}`);
  };
  switch (variable.type) {
    case 'string':
      if (variable.pattern !== undefined && !variable.pattern.test(raw)) fail();
      return raw;
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw)) fail();
      const value = Number(raw);
      if (!inRange(value, variable.min, variable.max)) fail();
      return value;
    }
    case 'url': {
      if (!URL.canParse(raw)) fail();
      const protocol = new URL(raw).protocol.slice(0, -1);
      if (variable.protocols !== undefined && !variable.protocols.includes(protocol)) fail();
      return raw;
    }
    case 'enum': {
      const value = raw.toLowerCase();
      const match = variable.values.find((v) => v.toLowerCase() === value);
      return match ?? fail();
    }
    case 'bool': {
      const value = raw.toLowerCase();
      if (TRUE.includes(value)) return true;
      if (FALSE.includes(value)) return false;
      return fail();
    }
    case 'duration': {
      const value = parseDuration(raw);
      if (value === undefined || !inRange(value, variable.min, variable.max)) fail();
      return value;
    }
    case 'list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      if (items.length === 0) fail();
      const { pattern } = variable;
      if (pattern !== undefined && !items.every((item) => pattern.test(item))) fail();
      return items;
    }
  }
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in `500ms`, `1.5s`, `5m`, `1h`, `1d`, or a plain number of milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!);
}

function inRange(value: number, min: number | undefined, max: number | undefined): boolean {
  return Number.isSafeInteger(value) && (min === undefined || value >= min) && (max === undefined || value <= max);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function describe(name: string, spec: ConfigSpec): string {
  const variable = spec[name];
  return variable === undefined ? 'see its documentation' : `${name}: ${allowed(variable)}`;
}

function allowed(variable: VarSpec): string {
  switch (variable.type) {
    case 'string':
      return (
        variable.allowed ??
        (variable.pattern === undefined ? 'a non-empty string' : `a string matching ${variable.pattern}`)
      );
    case 'int':
      return `an integer${range(variable.min, variable.max, String)}`;
    case 'url':
      return variable.protocols === undefined
        ? 'an absolute URL'
        : `a URL with scheme ${variable.protocols.map((p) => `${p}://`).join(' or ')}`;
    case 'enum':
      return `one of ${variable.values.join(', ')}`;
    case 'bool':
      return `a boolean (${[...TRUE, ...FALSE].join(', ')})`;
    case 'duration':
      return `a duration like 500ms, 30s, 5m, 1h or milliseconds${range(variable.min, variable.max, (ms) => `${ms}ms`)}`;
    case 'list':
      return `a comma-separated list of ${variable.allowed ?? (variable.pattern === undefined ? 'values' : `items matching ${variable.pattern}`)}`;
  }
}

function range(min: number | undefined, max: number | undefined, show: (n: number) => string): string {
  if (min !== undefined && max !== undefined) return ` from ${show(min)} to ${show(max)}`;
  if (min !== undefined) return ` of at least ${show(min)}`;
  if (max !== undefined) return ` of at most ${show(max)}`;
  return '';
}
