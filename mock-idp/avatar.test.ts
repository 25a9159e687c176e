import { describe, expect, it } from 'vitest';

import { avatarSvg, defaultPictureUrl, initialsOf, pictureOf, pictureOrigin } from './avatar.ts';

describe('the default profile picture', () => {
  it('takes two letters as Auth0\'s CDN avatars do: of two words, else of the one, else of the email', () => {
    expect(initialsOf({ name: 'Alice', email: 'alice@example.com' })).toBe('AL');
    expect(initialsOf({ name: 'John Doe', email: 'jd@example.com' })).toBe('JD');
    expect(initialsOf({ name: 'carol.smith@example.com', email: 'carol.smith@example.com' })).toBe('CS');
    expect(initialsOf({ name: '', email: 'émile@example.com' })).toBe('ÉM');
    expect(initialsOf({ name: ' ', email: '@example.com' })).toBe('?');
  });

  it('escapes what it writes into the SVG', () => {
    expect(avatarSvg('<&', '0000')).toContain('>&#60;&#38;</text>');
  });

  it('is served at the browser origin when the tenant has one, else at the issuer\'s, and yields to the user\'s own', () => {
    expect(pictureOrigin('https://localhost:4443/')).toBe('https://localhost:4443');
    expect(pictureOrigin('https://dial-sandbox.eu.auth0.com/', 'https://localhost:4443')).toBe('https://localhost:4443');
    expect(defaultPictureUrl('https://localhost:4443', ' Alice@Example.com ')).toBe('https://localhost:4443/avatar/c160f8cc69a4f0bf2b0362752353d060.svg');
    expect(pictureOf({ email: 'a@b.c', picture: 'https://localhost/own.png' }, 'https://x')).toBe('https://localhost/own.png');
  });
});
