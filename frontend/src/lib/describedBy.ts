/** The ids of a control's hint and error (see FieldFrame.svelte), or undefined for none. */
export function describedBy(id: string, hint: string, error: string): string | undefined {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}
