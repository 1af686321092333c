// Line charts as PNG files for BENCHMARKS.md, drawn pixel by pixel and encoded with node:zlib: a plot needs no
// browser, no native module and no font file, so a benchmark can make one on any machine that runs it. Text is a
// 5×7 bitmap font of upper-case letters, digits and a little punctuation, which is all an axis label needs.
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

export type Rgb = readonly [number, number, number];

export interface Series {
  readonly label: string;
  readonly color: Rgb;
  readonly points: readonly (readonly [number, number])[];
  /** Drawn dashed, without point markers: a reference line rather than a measurement. */
  readonly dashed?: boolean;
}

export interface Panel {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Log-10 y axis, for latencies that span milliseconds to seconds. */
  readonly logY?: boolean;
}

export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  /** Stacked top to bottom, sharing the x axis. */
  readonly panels: readonly Panel[];
}

// Rows of each glyph, top to bottom; bit 4 is the leftmost of its five columns.
const FONT: Readonly<Record<string, readonly number[]>> = {
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
  '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
  '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
  '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
  '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  A: [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  B: [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
  C: [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
  D: [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
  F: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
  G: [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
  H: [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  I: [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
  J: [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
  K: [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
  L: [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
  M: [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
  N: [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
  O: [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  P: [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
  Q: [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d],
  R: [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
  S: [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
  T: [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  U: [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  V: [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
  W: [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
  X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
  Y: [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04],
  Z: [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
  ' ': [0, 0, 0, 0, 0, 0, 0],
  '.': [0, 0, 0, 0, 0, 0x0c, 0x0c],
  ',': [0, 0, 0, 0, 0x0c, 0x04, 0x08],
  ':': [0, 0x0c, 0x0c, 0, 0x0c, 0x0c, 0],
  '/': [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
  '(': [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
  ')': [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
  '-': [0, 0, 0, 0x1f, 0, 0, 0],
  '+': [0, 0x04, 0x04, 0x1f, 0x04, 0x04, 0],
  '=': [0, 0, 0x1f, 0, 0x1f, 0, 0],
  '<': [0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02],
  '>': [0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08],
  '%': [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
  '?': [0x0e, 0x11, 0x01, 0x02, 0x04, 0, 0x04],
};
const GLYPH_SCALE = 2;
const GLYPH_ADVANCE = 6 * GLYPH_SCALE;
const GLYPH_HEIGHT = 7 * GLYPH_SCALE;

const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];

/** An RGB image with the few drawing operations a chart needs. */
class Raster {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, color: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    this.pixels.set(color, (py * this.width + px) * 3);
  }

  rect(x: number, y: number, width: number, height: number, color: Rgb): void {
    for (let dy = 0; dy < height; dy++) for (let dx = 0; dx < width; dx++) this.set(x + dx, y + dy, color);
  }

  /** A line `thickness` pixels wide; dashed lines skip every other 6 pixels of their length. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1, dashed = false): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    const half = Math.floor(thickness / 2);
    for (let step = 0; step <= steps; step++) {
      if (dashed && Math.floor(step / 6) % 2 === 1) continue;
      const x = x0 + ((x1 - x0) * step) / steps;
      const y = y0 + ((y1 - y0) * step) / steps;
      this.rect(Math.round(x) - half, Math.round(y) - half, thickness, thickness, color);
    }
  }

  text(x: number, y: number, text: string, color: Rgb = INK): void {
    let left = x;
    for (const char of text.toUpperCase()) {
      const rows = FONT[char] ?? FONT['?']!;
      rows.forEach((bits, row) => {
        for (let column = 0; column < 5; column++) {
          if ((bits >> (4 - column)) & 1) {
            this.rect(left + column * GLYPH_SCALE, y + row * GLYPH_SCALE, GLYPH_SCALE, GLYPH_SCALE, color);
          }
        }
      });
      left += GLYPH_ADVANCE;
    }
  }

  /** Text turned a quarter anticlockwise, its baseline running up from (x, y). */
  textUp(x: number, y: number, text: string, color: Rgb = INK): void {
    let bottom = y;
    for (const char of text.toUpperCase()) {
      const rows = FONT[char] ?? FONT['?']!;
      rows.forEach((bits, row) => {
        for (let column = 0; column < 5; column++) {
          if ((bits >> (4 - column)) & 1) {
            this.rect(x + row * GLYPH_SCALE, bottom - (column + 1) * GLYPH_SCALE, GLYPH_SCALE, GLYPH_SCALE, color);
          }
        }
      });
      bottom -= GLYPH_ADVANCE;
    }
  }
}

const textWidth = (text: string) => text.length * GLYPH_ADVANCE;

/** PNG of 8-bit RGB, no interlace, every scanline with filter 0 (none): small enough for charts of flat colours. */
function encodePng(raster: Raster): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(raster.width, 0);
  header.writeUInt32BE(raster.height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rowBytes = raster.width * 3;
  const scanlines = Buffer.alloc((rowBytes + 1) * raster.height);
  for (let row = 0; row < raster.height; row++) {
    scanlines.set(raster.pixels.subarray(row * rowBytes, (row + 1) * rowBytes), row * (rowBytes + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten, about `count` of them. */
function linearTicks(low: number, high: number, count: number): number[] {
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step / 1e6; value += step) ticks.push(value);
  return ticks;
}

const tickLabel = (value: number) =>
  value >= 10_000 ? `${value / 1000}K` : value >= 1 ? String(Math.round(value)) : String(value);

const WIDTH = 900;
const PANEL_HEIGHT = 300;
const MARGIN_LEFT = 90;
const MARGIN_RIGHT = 30;
const TITLE_HEIGHT = 40;
const PANEL_GAP = 60;
const X_AXIS_HEIGHT = 60;

export function renderChart(chart: Chart): Buffer {
  const height = TITLE_HEIGHT + chart.panels.length * (PANEL_HEIGHT + PANEL_GAP) - PANEL_GAP + X_AXIS_HEIGHT;
  const raster = new Raster(WIDTH, height);
  raster.text((WIDTH - textWidth(chart.title)) / 2, 12, chart.title);

  const allX = chart.panels.flatMap((panel) => panel.series.flatMap((series) => series.points.map(([x]) => x)));
  const xLow = 0;
  const xHigh = Math.max(1, ...allX) * 1.05;
  const plotLeft = MARGIN_LEFT;
  const plotWidth = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
  const toX = (x: number) => plotLeft + ((x - xLow) / (xHigh - xLow)) * plotWidth;
  const xTicks = linearTicks(xLow, xHigh, 8);

  chart.panels.forEach((panel, index) => {
    const top = TITLE_HEIGHT + index * (PANEL_HEIGHT + PANEL_GAP) + 20;
    const plotHeight = PANEL_HEIGHT - 20;
    const ys = panel.series.flatMap((series) => series.points.map(([, y]) => y)).filter((y) => Number.isFinite(y));
    let toY: (y: number) => number;
    let yTicks: number[];
    if (panel.logY) {
      const positive = ys.filter((y) => y > 0);
      const lowPower = Math.floor(Math.log10(Math.min(1, ...positive)));
      const highPower = Math.ceil(Math.log10(Math.max(10, ...positive)));
      toY = (y) =>
        top + plotHeight - ((Math.log10(Math.max(y, 10 ** lowPower)) - lowPower) / (highPower - lowPower)) * plotHeight;
      yTicks = [];
      for (let power = lowPower; power <= highPower; power++) yTicks.push(10 ** power);
    } else {
      const yHigh = Math.max(1, ...ys) * 1.1;
      toY = (y) => top + plotHeight - (y / yHigh) * plotHeight;
      yTicks = linearTicks(0, yHigh, 5);
    }

    raster.text(plotLeft, top - 18, panel.title);
    for (const tick of yTicks) {
      const y = toY(tick);
      raster.line(plotLeft, y, plotLeft + plotWidth, y, GRID);
      const label = tickLabel(tick);
      raster.text(plotLeft - 8 - textWidth(label), y - GLYPH_HEIGHT / 2, label);
    }
    for (const tick of xTicks) {
      const x = toX(tick);
      raster.line(x, top, x, top + plotHeight, GRID);
    }
    raster.line(plotLeft, top, plotLeft, top + plotHeight, INK, 2);
    raster.line(plotLeft, top + plotHeight, plotLeft + plotWidth, top + plotHeight, INK, 2);
    raster.textUp(12, top + (plotHeight + textWidth(panel.yLabel)) / 2, panel.yLabel);

    let legendX = plotLeft + plotWidth;
    for (const series of [...panel.series].reverse()) {
      legendX -= textWidth(series.label) + 40;
      raster.line(legendX, top - 11, legendX + 24, top - 11, series.color, 3, series.dashed);
      raster.text(legendX + 30, top - 18, series.label, series.color);
    }
    for (const series of panel.series) {
      const points = series.points.filter(([, y]) => Number.isFinite(y) && (!panel.logY || y > 0));
      for (let i = 1; i < points.length; i++) {
        const [xa, ya] = points[i - 1]!;
        const [xb, yb] = points[i]!;
        raster.line(toX(xa), toY(ya), toX(xb), toY(yb), series.color, 3, series.dashed);
      }
      if (!series.dashed) for (const [x, y] of points) raster.rect(toX(x) - 4, toY(y) - 4, 9, 9, series.color);
    }
  });

  const axisY = height - X_AXIS_HEIGHT;
  for (const tick of xTicks) {
    const label = tickLabel(tick);
    raster.text(toX(tick) - textWidth(label) / 2, axisY + 8, label);
  }
  raster.text(plotLeft + (plotWidth - textWidth(chart.xLabel)) / 2, axisY + 34, chart.xLabel);
  return encodePng(raster);
}

export function writeChart(path: string, chart: Chart): void {
  writeFileSync(path, renderChart(chart));
}
