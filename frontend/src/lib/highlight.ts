// Marks query words in a snippet. The API reports matched terms as stems per field
// ("anmeld" for "Anmeldung"), so a word is marked when it starts with a stem. The result is
// a list of segments rendered as text nodes and <mark> elements, never as HTML.

export interface Segment {
  text: string;
  mark: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;

export function highlight(text: string, stems: readonly string[]): Segment[] {
  const wanted = [...new Set(stems.map((s) => s.toLocaleLowerCase('de-DE')).filter((s) => s.length >= 2))];
  if (!text || wanted.length === 0) return text ? [{ text, mark: false }] : [];
  const out: Segment[] = [];
  let last = 0;
  const push = (t: string, mark: boolean) => {
    if (!t) return;
    const prev = out[out.length - 1];
    if (prev && prev.mark === mark) prev.text += t;
    else out.push({ text: t, mark });
  };
  for (const m of text.matchAll(WORD)) {
    const word = m[0];
    const lower = word.toLocaleLowerCase('de-DE');
    const hit = wanted.some((s) => lower.startsWith(s) || lower.includes(`-${s}`));
    if (!hit) continue;
    push(text.slice(last, m.index), false);
    push(word, true);
    last = m.index + word.length;
  }
  push(text.slice(last), false);
  return out;
}

/** Cuts long text at a word boundary near `max` characters. */
export function snippet(text: string, max = 320): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(' ', max);
  return `${text.slice(0, cut > max * 0.6 ? cut : max)} …`;
}
