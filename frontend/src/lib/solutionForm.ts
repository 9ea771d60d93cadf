// The solution editor's model: a catalogue entry as form strings and back, and who may
// edit (mirrors `policy::manage_solution` on the server, which stays the authority).

import type { components } from '../api/schema';
import type { Solution } from '../api/types';
import type { User } from './session.svelte';

export type SolutionInput = components['schemas']['SolutionInput'];
type Contact = components['schemas']['Contact'];

export interface ContactForm {
  name: string;
  role: string;
  email: string;
  phone: string;
}

/** Every field the form edits, as the strings the inputs hold. */
export interface SolutionForm {
  title: string;
  summary: string;
  description: string;
  kind: string;
  maturity: string;
  reuse_model: string;
  costs_model: string;
  licence: string;
  hosting: string;
  standards: string;
  themenfeld: string;
  lebenslage: string;
  tags: string;
  ozg_ids: string;
  leika_keys: string;
  languages: string;
  url: string;
  code_url: string;
  documentation_url: string;
  transfer_concept_url: string;
  provider_id: string;
  last_verified_at: string;
  contacts: ContactForm[];
}

/** The form's fields a validation problem can name (its `field`). */
export const SOLUTION_FIELDS = [
  'title', 'summary', 'description', 'kind', 'maturity', 'reuse_model', 'costs_model', 'licence',
  'hosting', 'standards', 'themenfeld', 'lebenslage', 'tags', 'ozg_ids', 'leika_keys', 'languages',
  'url', 'code_url', 'documentation_url', 'transfer_concept_url', 'provider_id', 'last_verified_at',
  'contacts',
] as const;

/** Lists are edited as comma-separated text. */
const LIST_FIELDS = ['standards', 'tags', 'ozg_ids', 'leika_keys', 'languages'] as const;
/** Optional text: an empty input means "not set". */
const OPTIONAL_FIELDS = [
  'summary', 'description', 'licence', 'hosting', 'themenfeld', 'lebenslage',
  'url', 'code_url', 'documentation_url', 'transfer_concept_url',
] as const;

export function emptyContact(): ContactForm {
  return { name: '', role: '', email: '', phone: '' };
}

export function emptyForm(providerId: number | null): SolutionForm {
  return {
    title: '', summary: '', description: '', kind: 'software', maturity: 'unknown', reuse_model: '',
    costs_model: '', licence: '', hosting: '', standards: '', themenfeld: '', lebenslage: '', tags: '',
    ozg_ids: '', leika_keys: '', languages: '', url: '', code_url: '', documentation_url: '',
    transfer_concept_url: '', provider_id: providerId === null ? '' : String(providerId),
    last_verified_at: '', contacts: [],
  };
}

export function toForm(s: Solution): SolutionForm {
  const f = emptyForm(s.provider_id ?? null);
  for (const k of OPTIONAL_FIELDS) f[k] = s[k] ?? '';
  for (const k of LIST_FIELDS) f[k] = s[k].join(', ');
  f.title = s.title;
  f.kind = s.kind;
  f.maturity = s.maturity;
  f.reuse_model = s.reuse_model ?? '';
  f.costs_model = s.costs_model ?? '';
  f.last_verified_at = s.last_verified_at ? s.last_verified_at.slice(0, 10) : '';
  f.contacts = s.contacts.map((c) => ({ name: c.name ?? '', role: c.role ?? '', email: c.email ?? '', phone: c.phone ?? '' }));
  return f;
}

export function splitList(text: string): string[] {
  return text.split(',').map((x) => x.trim()).filter(Boolean);
}

function orNull(text: string): string | null {
  const t = text.trim();
  return t ? t : null;
}

function contact(c: ContactForm): Contact | null {
  const out: Contact = { name: orNull(c.name), role: orNull(c.role), email: orNull(c.email), phone: orNull(c.phone) };
  return Object.values(out).some((v) => v !== null) ? out : null;
}

/** The date input's day as a timestamp; an unchanged day keeps the stored time. */
function verifiedAt(day: string, stored: string | null): string | null {
  if (!day) return null;
  return stored?.startsWith(day) ? stored : `${day}T00:00:00Z`;
}

/**
 * The whole entry for PUT/POST: the form's fields, plus what the form does not show
 * (import source and extra data) carried over from `base` so that saving keeps them.
 */
export function toInput(f: SolutionForm, base: Solution | null): SolutionInput {
  const input: SolutionInput = {
    title: f.title.trim(),
    kind: f.kind as SolutionInput['kind'] & string,
    maturity: f.maturity as SolutionInput['maturity'] & string,
    reuse_model: (orNull(f.reuse_model) as SolutionInput['reuse_model']) ?? null,
    costs_model: (orNull(f.costs_model) as SolutionInput['costs_model']) ?? null,
    provider_id: f.provider_id ? Number(f.provider_id) : null,
    last_verified_at: verifiedAt(f.last_verified_at, base?.last_verified_at ?? null),
    contacts: f.contacts.map(contact).filter((c): c is Contact => c !== null),
    source: base?.source ?? null,
    source_id: base?.source_id ?? null,
    extra: base?.extra ?? {},
  };
  for (const k of OPTIONAL_FIELDS) input[k] = orNull(f[k]);
  for (const k of LIST_FIELDS) input[k] = splitList(f[k]);
  return input;
}

/** Whether `user` may edit a solution of `providerId` (or create one for it). */
export function canManageSolution(user: User | null, providerId: number | null): boolean {
  if (!user) return false;
  if (user.role === 'operator') return true;
  if (user.role !== 'provider' || providerId === null) return false;
  return user.memberships.some((m) => m.organisation_id === providerId);
}

/** Whether `user` may create solutions at all (providers need an organisation). */
export function canCreateSolution(user: User | null): boolean {
  if (!user) return false;
  return user.role === 'operator' || (user.role === 'provider' && user.memberships.length > 0);
}

/** A validation problem's field (`contacts.email`) as the form field it belongs to. */
export function formField(field: string | null): string | null {
  if (!field) return null;
  const head = field.split(/[.[]/)[0] ?? field;
  return (SOLUTION_FIELDS as readonly string[]).includes(head) ? head : null;
}
