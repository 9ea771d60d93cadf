import { describe, expect, it } from 'vitest';
import type { Solution } from '../api/types';
import type { User } from './session.svelte';
import { canCreateSolution, canManageSolution, emptyForm, formField, splitList, toForm, toInput } from './solutionForm';

const solution: Solution = {
  id: 7,
  title: 'Bürgerportal',
  summary: 'Kurz',
  description: null,
  kind: 'online_service',
  maturity: 'pilot',
  reuse_model: 'efa',
  costs_model: null,
  licence: 'EUPL-1.2',
  standards: ['XÖV', 'FIT-Connect'],
  hosting: null,
  ozg_ids: [],
  leika_keys: [],
  themenfeld: null,
  lebenslage: null,
  tags: ['Portal'],
  languages: ['de'],
  url: 'https://example.org',
  code_url: null,
  documentation_url: null,
  transfer_concept_url: null,
  provider_id: 3,
  contacts: [{ name: 'A. Muster', email: 'a@example.org', role: null, phone: null }],
  last_verified_at: '2026-03-05T12:34:56Z',
  completeness: 0.5,
  missing: [],
  stale: false,
  source: 'opencode',
  source_id: 'x-1',
  extra: { keep: 1 } as unknown as Solution['extra'],
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
};

const user = (role: string, orgs: number[]): User =>
  ({ id: 1, email: 'x@example.org', display_name: null, role, memberships: orgs.map((organisation_id) => ({ organisation_id, role: 'member' })), created_at: '' }) as unknown as User;

describe('solution form', () => {
  it('round-trips an entry unchanged, keeping what the form does not show', () => {
    const input = toInput(toForm(solution), solution);
    expect(input).toMatchObject({
      title: 'Bürgerportal', summary: 'Kurz', description: null, kind: 'online_service', maturity: 'pilot',
      reuse_model: 'efa', costs_model: null, standards: ['XÖV', 'FIT-Connect'], tags: ['Portal'],
      provider_id: 3, last_verified_at: '2026-03-05T12:34:56Z', source: 'opencode', source_id: 'x-1', extra: { keep: 1 },
      contacts: [{ name: 'A. Muster', email: 'a@example.org', role: null, phone: null }],
    });
  });

  it('turns edits into the API shape: trimmed, empty as null, lists split, blank contacts dropped', () => {
    const f = toForm(solution);
    f.summary = '  ';
    f.tags = ' a, ,b ,';
    f.last_verified_at = '2026-04-01';
    f.contacts.push({ name: '', role: '', email: '', phone: ' ' });
    f.provider_id = '';
    const input = toInput(f, solution);
    expect(input.summary).toBeNull();
    expect(input.tags).toEqual(['a', 'b']);
    expect(input.last_verified_at).toBe('2026-04-01T00:00:00Z');
    expect(input.contacts).toHaveLength(1);
    expect(input.provider_id).toBeNull();
    expect(toInput(emptyForm(null), null)).toMatchObject({ source: null, source_id: null, extra: {} });
  });

  it('lets operators and provider members edit, nobody else', () => {
    expect(canManageSolution(user('operator', []), null)).toBe(true);
    expect(canManageSolution(user('provider', [3]), 3)).toBe(true);
    expect(canManageSolution(user('provider', [4]), 3)).toBe(false);
    expect(canManageSolution(user('provider', [3]), null)).toBe(false);
    expect(canManageSolution(user('seeker', [3]), 3)).toBe(false);
    expect(canManageSolution(null, 3)).toBe(false);
    expect(canCreateSolution(user('provider', []))).toBe(false);
    expect(canCreateSolution(user('provider', [3]))).toBe(true);
    expect(canCreateSolution(user('seeker', [3]))).toBe(false);
  });

  it('maps problem fields onto form fields', () => {
    expect(formField('contacts.email')).toBe('contacts');
    expect(formField('summary')).toBe('summary');
    expect(formField('extra')).toBeNull();
    expect(formField(null)).toBeNull();
    expect(splitList('')).toEqual([]);
  });
});
