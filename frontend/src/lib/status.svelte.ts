// Progress of the semantic index (`GET /api/v1/status`). Polled every few seconds while it is
// being built; match answers carry the same state (`noteSemantic`).

import { api } from '../api/client';
import type { SemanticState, SemanticSummary, ServerStatus } from '../api/types';

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
    // Unreachable for the moment: search works either way, and the next match answer
    // carries the state again.
    semantic.known = false;
  }
  schedule();
}

function schedule() {
  if (timer) clearTimeout(timer);
  timer = semantic.state === 'building' ? setTimeout(() => void refreshStatus(), POLL_MS) : null;
}

/** Fed by every match answer, which carries the same `semantic` block. */
export function noteSemantic(s: SemanticSummary | undefined): void {
  if (!s) return;
  const wasBuilding = semantic.state === 'building';
  semantic.state = s.state;
  semantic.percent = s.percent;
  if (s.state === 'building' && !wasBuilding) schedule();
}
