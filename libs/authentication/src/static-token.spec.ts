import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, parseTokenFile, staticTokenAuthenticator, tokenFileAuthenticator, TokenFileError } from './static-token.js';

const creds = (bearerToken: string) => ({ clientCertificates: [], bearerToken });

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, CRLF and blank lines as Go\'s encoding/csv does', () => {
    assert.deepEqual(parseCsv('a,b,c\r\n\n"x,y","say ""hi""",\n'), [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 3, fields: ['x,y', 'say "hi"', ''] },
    ]);
    assert.deepEqual(parseCsv('"multi\nline",b\nnext,c'), [
      { line: 1, fields: ['multi\nline', 'b'] },
      { line: 3, fields: ['next', 'c'] },
    ]);
  });

  it('refuses stray quotes, naming the line', () => {
    assert.throws(() => parseCsv('ok,1,2\nto"ken,u,1'), /^TokenFileError: line 2: bare " in non-quoted-field$/);
    assert.throws(() => parseCsv('ok,1,2\n\n"open,u,1'), /line 3: extraneous or missing " in quoted-field/);
  });
});

describe('token file', () => {
  const text = ['admin-token,admin,1,"system:masters,ops"', 'dev-token,dev,2', ',nobody,3', 'dup,first,4', 'dup,second,5', ''].join('\n');

  it('maps each token to its user, uid and groups; later duplicates win, empty tokens are skipped', () => {
    const tokens = parseTokenFile(text, '/t.csv');
    assert.deepEqual(tokens.get('admin-token'), { username: 'admin', uid: '1', groups: ['system:masters', 'ops'], extra: {} });
    assert.deepEqual(tokens.get('dev-token'), { username: 'dev', uid: '2', groups: [], extra: {} });
    assert.equal(tokens.get('dup')?.username, 'second');
    assert.equal(tokens.has(''), false);
  });

  it('stops at a record with fewer than three columns, naming file and line', () => {
    assert.throws(
      () => parseTokenFile('a,b,c\nonly,two\n', '/etc/tokens.csv'),
      (err: unknown) => err instanceof TokenFileError && err.message === "token file '/etc/tokens.csv' line 2: must have at least 3 columns (token, user name, user uid), found 2",
    );
    assert.throws(() => parseTokenFile('a,b,c\nx"y,u,1\n', '/t.csv'), /^TokenFileError: token file '\/t.csv' line 2: bare " in non-quoted-field$/);
  });

  it('authenticates a listed token and leaves any other to the next authenticator', async () => {
    const auth = staticTokenAuthenticator(parseTokenFile(text, '/t.csv'));
    const result = await auth.authenticate(creds('admin-token'));
    assert.deepEqual(result, { ok: true, user: { username: 'admin', uid: '1', groups: ['system:masters', 'ops'], extra: {} } });
    if (result.ok) result.user.groups.push('mutated');
    assert.deepEqual(await auth.authenticate(creds('admin-token')), { ok: true, user: { username: 'admin', uid: '1', groups: ['system:masters', 'ops'], extra: {} } });
    assert.deepEqual(await auth.authenticate(creds('unknown')), { ok: false });
    assert.deepEqual(await auth.authenticate(creds('')), { ok: false });
  });

  it('reads the file at start and fails on one it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kapi-tokens-'));
    try {
      writeFileSync(join(dir, 'tokens.csv'), text);
      assert.equal(tokenFileAuthenticator(join(dir, 'tokens.csv')).name, 'token-file');
      assert.throws(() => tokenFileAuthenticator(join(dir, 'missing.csv')), new RegExp(`^TokenFileError: token file '${dir}/missing.csv' cannot be read: ENOENT$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
