// How people appear in channels. The API names authors by id only, so others are
// "Person <id>" and the caller is "Sie".

import { de } from '../i18n/de';

export function authorName(authorId: number, me: number | null): string {
  return authorId === me ? de.channels.you : de.channels.person(authorId);
}
