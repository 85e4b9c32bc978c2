// A small SVG line chart: a few series of (x, y) points, a linear or log10 y axis, optional
// horizontal reference lines (a tolerance). Redrawn whole on every change; the demo's charts hold
// tens of points, so that is cheap and keeps the code short.

export interface ChartOptions {
  /** log10 y axis (values ≤ 0 are left out). */
  log?: boolean;
  width?: number;
  height?: number;
  xLabel?: string;
  /** Tick label of an x value (default: the number). */
  xTick?: (x: number) => string;
  /** Fixed y range (linear axis only); default from the data. */
  yRange?: [number, number];
}

interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  /** Dashed line and hollow points: to see one series over another that it nearly equals. */
  dashed: boolean;
}

interface RefLine {
  y: number;
  label: string;
  color: string;
}

const NS = 'http://www.w3.org/2000/svg';
const PAD = { left: 56, right: 26, top: 22, bottom: 30 };

export class LineChart {
  private series: Series[] = [];
  private lines: RefLine[] = [];
  private readonly svg: SVGSVGElement;
  private readonly w: number;
  private readonly h: number;

  constructor(host: HTMLElement, private readonly opts: ChartOptions = {}) {
    this.w = opts.width ?? 460;
    this.h = opts.height ?? 180;
    this.svg = document.createElementNS(NS, 'svg');
    this.svg.setAttribute('viewBox', `0 0 ${this.w} ${this.h}`);
    this.svg.setAttribute('class', 'chart');
    host.replaceChildren(this.svg);
    this.render();
  }

  /** Adds a series (drawn in the order added); returns its index for `push`. */
  addSeries(name: string, color: string, dashed = false): number {
    this.series.push({ name, color, points: [], dashed });
    return this.series.length - 1;
  }

  push(series: number, x: number, y: number): void {
    this.series[series].points.push([x, y]);
    this.render();
  }

  /** Replaces a series' points. */
  setPoints(series: number, points: Array<[number, number]>): void {
    this.series[series].points = points.slice();
    this.render();
  }

  /** Replaces the reference lines (e.g. the tolerance). */
  setLines(lines: RefLine[]): void {
    this.lines = lines;
    this.render();
  }

  clear(): void {
    for (const s of this.series) s.points = [];
    this.lines = [];
    this.render();
  }

  private render(): void {
    const { w, h, opts } = this;
    const log = opts.log === true;
    const usable = (y: number): boolean => Number.isFinite(y) && (!log || y > 0);
    const pts = this.series.flatMap((s) => s.points.filter(([, y]) => usable(y)));
    const ys = [...pts.map(([, y]) => y), ...this.lines.map((l) => l.y).filter(usable)];
    const xs = pts.map(([x]) => x);
    let x0 = xs.length ? Math.min(...xs) : 0;
    let x1 = xs.length ? Math.max(...xs) : 1;
    if (x1 - x0 < 1) x1 = x0 + 1;
    const tf = (y: number): number => (log ? Math.log10(y) : y);
    let y0: number;
    let y1: number;
    if (opts.yRange && !log) [y0, y1] = opts.yRange;
    else if (ys.length === 0) [y0, y1] = log ? [-5, -3] : [0, 1];
    else {
      y0 = Math.min(...ys.map(tf));
      y1 = Math.max(...ys.map(tf));
      if (log) [y0, y1] = [Math.floor(y0), Math.ceil(y1)];
      const span = y1 - y0 || Math.abs(y1) * 0.1 || 1;
      if (!log) [y0, y1] = [y0 - span * 0.08, y1 + span * 0.08];
      if (y1 - y0 < (log ? 1 : 1e-9)) y1 = y0 + 1;
    }
    const px = (x: number): number => PAD.left + ((x - x0) / (x1 - x0)) * (w - PAD.left - PAD.right);
    const py = (y: number): number => h - PAD.bottom - ((tf(y) - y0) / (y1 - y0)) * (h - PAD.top - PAD.bottom);
    const out: string[] = [];
    // y grid and ticks: decades on a log axis, about five round values on a linear one
    const yTicks = log ? range(y0, y1, 1).map((e) => 10 ** e) : niceTicks(y0, y1, 5);
    for (const t of yTicks) {
      const y = py(t);
      out.push(`<line class="grid" x1="${PAD.left}" x2="${w - PAD.right}" y1="${y}" y2="${y}"/>`);
      out.push(`<text class="tick" x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${log ? `1e${Math.round(Math.log10(t))}` : fmt(t)}</text>`);
    }
    // no x ticks on an empty chart: they would label passes that have not happened
    for (const t of pts.length ? niceTicks(x0, x1, 6).filter((t) => Number.isInteger(t) && t >= x0 && t <= x1) : []) {
      const x = px(t);
      out.push(`<text class="tick" x="${x}" y="${h - PAD.bottom + 14}" text-anchor="middle">${esc(opts.xTick ? opts.xTick(t) : String(t))}</text>`);
    }
    out.push(`<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${h - PAD.bottom}"/>`);
    out.push(`<line class="axis" x1="${PAD.left}" x2="${w - PAD.right}" y1="${h - PAD.bottom}" y2="${h - PAD.bottom}"/>`);
    if (opts.xLabel) out.push(`<text class="label" x="${w - PAD.right}" y="${h - 3}" text-anchor="end">${esc(opts.xLabel)}</text>`);
    for (const l of this.lines) {
      if (!usable(l.y)) continue;
      const y = py(l.y);
      out.push(`<line class="ref" stroke="${l.color}" x1="${PAD.left}" x2="${w - PAD.right}" y1="${y}" y2="${y}"/>`);
      out.push(`<text class="label" fill="${l.color}" x="${w - PAD.right - 2}" y="${y - 4}" text-anchor="end">${esc(l.label)}</text>`);
    }
    let lx = PAD.left + 4;
    for (const s of this.series) {
      const p = s.points.filter(([, y]) => usable(y));
      if (p.length > 1) out.push(`<path class="line${s.dashed ? ' dashed' : ''}" stroke="${s.color}" d="${p.map(([x, y], t) => `${t ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('')}"/>`);
      for (const [x, y] of p) out.push(`<circle class="pt" ${s.dashed ? `fill="#fff" stroke="${s.color}"` : `fill="${s.color}"`} cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="${s.dashed ? 3.4 : 2.6}"><title>${esc(`${s.name}: ${fmtTitle(y)}`)}</title></circle>`);
      out.push(`<rect x="${lx}" y="6" width="10" height="10" rx="2" fill="${s.color}"/><text class="label" x="${lx + 14}" y="15">${esc(s.name)}</text>`);
      lx += 22 + s.name.length * 6.2;
    }
    this.svg.innerHTML = out.join('');
  }
}

function range(a: number, b: number, step: number): number[] {
  const out: number[] = [];
  for (let v = a; v <= b + 1e-9; v += step) out.push(v);
  return out;
}

/** About `n` round tick values (1, 2 or 5 × a power of ten apart) within [a, b]. */
function niceTicks(a: number, b: number, n: number): number[] {
  const raw = (b - a) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return range(Math.ceil(a / step) * step, b, step).map((v) => Number(v.toPrecision(12)));
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

function fmtTitle(v: number): string {
  return Math.abs(v) < 0.01 ? v.toExponential(2) : v.toFixed(4);
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
