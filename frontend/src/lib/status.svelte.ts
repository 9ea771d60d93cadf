// Progress of the semantic index (`GET /api/v1/status`, the wt-data contract). Polled every
// few seconds while it is being built; a server without the route counts as ready.

import { api } from '../api/client';

export type SemanticState = 'building' | 'ready' | 'disabled';

export interface ServerStatus {
  catalogue: { solutions: number };
  semantic: { state: SemanticState; indexed: number; total: number; percent: number };
}

export const semantic: { state: SemanticState; percent: number; known: boolean } = $state({
  state: 'ready',
  percent: 100,
  known: false,
});

const POLL_MS = 3000;
let timer: ReturnType<typeof setTimeout> | null = null;

export async function refreshStatus(): Promise<void> {
  try {
    const s = await api.get<ServerStatus>('/status');
    semantic.state = s.semantic.state;
    semantic.percent = s.semantic.percent;
    semantic.known = true;
  } catch {
    // Older servers have no status route; search works either way.
    semantic.known = false;
  }
  schedule();
}

function schedule() {
  if (timer) clearTimeout(timer);
  timer = semantic.state === 'building' ? setTimeout(() => void refreshStatus(), POLL_MS) : null;
}

/** Fed by every match answer, which carries the same `semantic` block. */
export function noteSemantic(s: { state: SemanticState; percent: number } | undefined): void {
  if (!s) return;
  const wasBuilding = semantic.state === 'building';
  semantic.state = s.state;
  semantic.percent = s.percent;
  if (s.state === 'building' && !wasBuilding) schedule();
}
