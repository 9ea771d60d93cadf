import { describe, expect, it } from 'vitest';
import { missingText } from './freshness';

describe('missingText', () => {
  it('names each missing requirement in German and keeps an unknown code', () => {
    expect(missingText(['licence', 'documentation_url', 'new_rule'])).toBe('Es fehlt: Lizenz, Dokumentation, new_rule');
  });
});
