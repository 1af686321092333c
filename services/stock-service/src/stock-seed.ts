import { readFileSync } from 'node:fs';
import { ConfigError } from '@orderflow/platform';

// The catalogue a fresh store starts with. Setting both variables is refused rather than letting one win, so a
// forgotten variable cannot silently decide what the shop sells.

export interface SeedSettings {
  readonly STOCK_SEED: string | undefined;
  readonly STOCK_SEED_FILE: string | undefined;
}

const DEFAULT_PRODUCTS = 20;
const DEFAULT_LEVEL = 100;
// Kept well inside what both backends and JSON numbers represent exactly, with room for restocks on top.
export const MAX_STOCK_LEVEL = 1_000_000_000;
const PRODUCT_ID = /^[^\s=,]{1,128}$/;

/** A001..A020 with 100 units each. */
export function defaultSeed(): Map<string, number> {
  const levels = new Map<string, number>();
  for (let i = 1; i <= DEFAULT_PRODUCTS; i++) levels.set(`A${String(i).padStart(3, '0')}`, DEFAULT_LEVEL);
  return levels;
}

/** The seed levels from STOCK_SEED_FILE, STOCK_SEED or the default; throws ConfigError naming what is wrong. */
export function resolveSeed(settings: SeedSettings): Map<string, number> {
  const { STOCK_SEED: inline, STOCK_SEED_FILE: file } = settings;
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError('STOCK_SEED', 'STOCK_SEED and STOCK_SEED_FILE are both set; set only one of them');
  }
  if (file !== undefined) return parseSeedFile(file);
  if (inline !== undefined) return parseSeedList(inline);
  return defaultSeed();
}

/** `A001=100,A002=50`. */
export function parseSeedList(text: string): Map<string, number> {
  const levels = new Map<string, number>();
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const match = /^([^=]+)=\s*(\d+)$/.exec(item);
    if (match === null) {
      throw new ConfigError('STOCK_SEED', `STOCK_SEED item ${JSON.stringify(item)} is invalid; expected PRODUCT=UNITS`);
    }
    add(levels, 'STOCK_SEED', match[1]!.trim(), Number(match[2]));
  }
  return nonEmpty(levels, 'STOCK_SEED');
}

/** A JSON object of product id to units: `{ "A001": 100 }`. */
export function parseSeedFile(path: string): Map<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('STOCK_SEED_FILE', `STOCK_SEED_FILE ${path} is unreadable: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('STOCK_SEED_FILE', `STOCK_SEED_FILE ${path} must hold a JSON object of product id to units`);
  }
  const levels = new Map<string, number>();
  for (const [productId, units] of Object.entries(parsed)) add(levels, 'STOCK_SEED_FILE', productId, units);
  return nonEmpty(levels, 'STOCK_SEED_FILE');
}

function add(levels: Map<string, number>, variable: string, productId: string, units: unknown): void {
  if (!PRODUCT_ID.test(productId)) {
    throw new ConfigError(
      variable,
      `${variable}: product id ${JSON.stringify(productId)} is invalid; expected 1-128 characters without spaces, = or ,`,
    );
  }
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 0 || units > MAX_STOCK_LEVEL) {
    throw new ConfigError(
      variable,
      `${variable}: units of ${productId} must be an integer from 0 to ${MAX_STOCK_LEVEL}, got ${JSON.stringify(units)}`,
    );
  }
  if (levels.has(productId)) throw new ConfigError(variable, `${variable}: product ${productId} is listed twice`);
  levels.set(productId, units);
}

function nonEmpty(levels: Map<string, number>, variable: string): Map<string, number> {
  if (levels.size === 0) throw new ConfigError(variable, `${variable} lists no products`);
  return levels;
}
