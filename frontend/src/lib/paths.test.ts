import { describe, expect, it } from 'vitest';
import { matchPath } from './paths';

describe('route patterns', () => {
  it('matches literal segments and captures parameters', () => {
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/loesungen/:id', '/loesungen/42')).toEqual({ id: '42' });
    expect(matchPath('/kanaele/:id', '/kanaele/7/')).toEqual({ id: '7' });
    expect(matchPath('/loesungen/:id', '/loesungen')).toBeNull();
    expect(matchPath('/loesungen/:id', '/organisationen/42')).toBeNull();
  });

  it('decodes parameters and rejects broken escapes', () => {
    expect(matchPath('/x/:name', '/x/M%C3%BCnchen')).toEqual({ name: 'München' });
    expect(matchPath('/x/:name', '/x/%E0%A4%A')).toBeNull();
  });
});
