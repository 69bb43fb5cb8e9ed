/**
 * Mask findings? (behaviour.md 23): in every `SensitiveInformationDetections.DetectedValues`, each
 * Name and Value keeps its shape but not its content: digits become `0`, letters `X`.
 */

export function maskText(text: string): string {
  return text.replace(/\p{Nd}/gu, '0').replace(/\p{L}/gu, 'X');
}

function maskDetections(detections: Record<string, unknown>): void {
  const values = detections.DetectedValues;
  if (!Array.isArray(values)) return;
  for (const v of values) {
    if (!v || typeof v !== 'object') continue;
    const item = v as Record<string, unknown>;
    for (const key of ['Name', 'Value']) if (typeof item[key] === 'string') item[key] = maskText(item[key] as string);
  }
}

/** Masks in place, wherever the detections sit in the event. */
export function maskFindings(node: unknown): void {
  if (Array.isArray(node)) {
    for (const x of node) maskFindings(x);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'SensitiveInformationDetections' && value && typeof value === 'object') maskDetections(value as Record<string, unknown>);
    else maskFindings(value);
  }
}
