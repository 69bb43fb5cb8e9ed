/**
 * The Teams app icons, drawn by code: a white shield with a chat prompt on the accent colour
 * (color, 192×192), and the shield alone in white on transparent (outline, 32×32), as Teams
 * asks. Edges are anti-aliased by 4×4 supersampling.
 */
import { encodePng } from './png';

export const ACCENT = '#1D4ED8';
export const COLOR_SIZE = 192;
export const OUTLINE_SIZE = 32;

type Shape = (x: number, y: number) => boolean;

/** Shield in [-1, 1]²: flat top, straight sides, tapering to a point at the bottom. */
function shield(scale: number): Shape {
  return (x, y) => {
    const sx = x / scale;
    const sy = y / scale;
    if (sy < -0.72 || sy > 0.86) return false;
    const half = sy <= 0.05 ? 0.66 : 0.66 * Math.sqrt(Math.max(0, 1 - ((sy - 0.05) / 0.81) ** 2));
    return Math.abs(sx) <= half;
  };
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** `>_`: a chevron and an underscore, the chat-ops prompt. */
function prompt(): Shape {
  const w = 0.07;
  return (x, y) =>
    segmentDistance(x, y, -0.34, -0.3, -0.06, -0.06) <= w ||
    segmentDistance(x, y, -0.06, -0.06, -0.34, 0.18) <= w ||
    segmentDistance(x, y, 0.04, 0.2, 0.3, 0.2) <= w;
}

function hex(color: string): [number, number, number] {
  const n = parseInt(color.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Fraction of a pixel's 16 samples inside `shape` (pixel coordinates mapped to [-1, 1]²). */
function coverage(shape: Shape, size: number, px: number, py: number): number {
  let n = 0;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const x = ((px + (i + 0.5) / 4) / size) * 2 - 1;
      const y = ((py + (j + 0.5) / 4) / size) * 2 - 1;
      if (shape(x, y)) n++;
    }
  }
  return n / 16;
}

/** Full-colour icon: accent background, white shield, accent prompt inside it. */
export function colorIcon(size = COLOR_SIZE): Buffer {
  const [r, g, b] = hex(ACCENT);
  const outer = shield(0.8);
  const mark = prompt();
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const white = coverage((u, v) => outer(u, v) && !mark(u, v), size, x, y);
      const i = (y * size + x) * 4;
      rgba[i] = Math.round(r + (255 - r) * white);
      rgba[i + 1] = Math.round(g + (255 - g) * white);
      rgba[i + 2] = Math.round(b + (255 - b) * white);
      rgba[i + 3] = 255;
    }
  }
  return encodePng(size, size, rgba);
}

/** Outline icon: the shield's outline only, white on transparent. */
export function outlineIcon(size = OUTLINE_SIZE): Buffer {
  const outer = shield(0.9);
  const inner = shield(0.62);
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = coverage((u, v) => outer(u, v) && !inner(u, v), size, x, y);
      const i = (y * size + x) * 4;
      rgba[i] = 255;
      rgba[i + 1] = 255;
      rgba[i + 2] = 255;
      rgba[i + 3] = Math.round(255 * a);
    }
  }
  return encodePng(size, size, rgba);
}
