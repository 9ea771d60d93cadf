// Filter values the API accepts, with their German labels from the catalogue.

import { de } from '../i18n/de';

export const LAENDER = [
  'Baden-Württemberg',
  'Bayern',
  'Berlin',
  'Brandenburg',
  'Bremen',
  'Hamburg',
  'Hessen',
  'Mecklenburg-Vorpommern',
  'Niedersachsen',
  'Nordrhein-Westfalen',
  'Rheinland-Pfalz',
  'Saarland',
  'Sachsen',
  'Sachsen-Anhalt',
  'Schleswig-Holstein',
  'Thüringen',
] as const;

export interface Option {
  value: string;
  label: string;
}

const entries = (labels: Record<string, string>): Option[] =>
  Object.entries(labels).map(([value, label]) => ({ value, label }));

/** Closed vocabularies offered as checkboxes. */
export const CHOICES = {
  kind: entries(de.vocab.kind),
  maturity: entries(de.vocab.maturity),
  reuse_model: entries(de.vocab.reuse_model),
  costs_model: entries(de.vocab.costs_model),
  provider_kind: entries(de.vocab.provider_kind),
  land: LAENDER.map((l) => ({ value: l, label: l })),
} as const;

export type ChoiceKey = keyof typeof CHOICES;
