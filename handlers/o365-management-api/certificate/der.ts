/**
 * A minimal DER reader for PKCS#12 files: tag, length, value, children. Indefinite lengths and
 * constructed OCTET STRINGs (BER, as some Windows exports write them) are accepted.
 */

export interface Node {
  /** The identifier octet (class, constructed bit, number), e.g. 0x30 SEQUENCE, 0xa0 [0]. */
  tag: number;
  /** Content octets (for a constructed node: its children's encodings). */
  value: Buffer;
  constructed: boolean;
}

export class DerError extends Error {}

function readLength(buf: Buffer, pos: number): { length: number | null; next: number } {
  const first = buf[pos];
  if (first === undefined) throw new DerError('truncated length');
  if (first < 0x80) return { length: first, next: pos + 1 };
  if (first === 0x80) return { length: null, next: pos + 1 };
  const n = first & 0x7f;
  if (n > 4 || pos + 1 + n > buf.length) throw new DerError('bad length');
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + buf[pos + 1 + i]!;
  return { length, next: pos + 1 + n };
}

/** Reads one node at `pos`; returns it and where the next one starts. */
export function readNode(buf: Buffer, pos = 0): { node: Node; next: number } {
  const tag = buf[pos];
  if (tag === undefined) throw new DerError('truncated');
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in PKCS#12');
  const constructed = (tag & 0x20) !== 0;
  const { length, next } = readLength(buf, pos + 1);
  if (length !== null) {
    if (next + length > buf.length) throw new DerError('truncated value');
    return { node: { tag, constructed, value: buf.subarray(next, next + length) }, next: next + length };
  }
  if (!constructed) throw new DerError('indefinite length on a primitive');
  let p = next;
  for (;;) {
    if (buf[p] === 0 && buf[p + 1] === 0) return { node: { tag, constructed, value: buf.subarray(next, p) }, next: p + 2 };
    p = readNode(buf, p).next;
  }
}

export function children(node: Node): Node[] {
  if (!node.constructed) throw new DerError('expected a constructed value');
  const out: Node[] = [];
  let pos = 0;
  while (pos < node.value.length) {
    const { node: child, next } = readNode(node.value, pos);
    out.push(child);
    pos = next;
  }
  return out;
}

export function parse(buf: Buffer): Node {
  return readNode(buf, 0).node;
}

export function expect(node: Node | undefined, tag: number, what: string): Node {
  if (!node || node.tag !== tag) throw new DerError(`expected ${what}`);
  return node;
}

export function oid(node: Node | undefined): string {
  const v = expect(node, 0x06, 'an object identifier').value;
  const parts: number[] = [Math.floor(v[0]! / 40), v[0]! % 40];
  let n = 0;
  for (let i = 1; i < v.length; i++) {
    n = n * 128 + (v[i]! & 0x7f);
    if ((v[i]! & 0x80) === 0) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

export function integer(node: Node | undefined): number {
  const v = expect(node, 0x02, 'an integer').value;
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** The bytes of an OCTET STRING (0x04) or of an implicitly tagged one; BER chunks joined. */
export function octets(node: Node | undefined): Buffer {
  if (!node) throw new DerError('expected an octet string');
  if (!node.constructed) return node.value;
  return Buffer.concat(children(node).map(octets));
}

/** The node inside an explicit context tag `[n]`. */
export function explicit(node: Node | undefined, n: number): Node {
  const outer = expect(node, 0xa0 + n, `[${n}]`);
  const inner = children(outer)[0];
  if (!inner) throw new DerError(`empty [${n}]`);
  return inner;
}
