// Static tokens from a CSV file, as kube-apiserver's --token-auth-file reads it:
//   token,user,uid,"group1,group2"
// at least three columns; the fourth, when present, is a comma-separated list of groups. An empty
// token is skipped, a later duplicate wins. A token not in the file is not this authenticator's.
import { readFileSync } from 'node:fs';
import type { Authenticator, User } from './authenticator.js';

export class TokenFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenFileError';
  }
}

/**
 * The records of a CSV text as Go's encoding/csv reads them (RFC 4180: quoted fields with ""
 * escapes, which may span lines; blank lines skipped), each with the line it starts on.
 */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        const column = i;
        i++;
        for (;;) {
          if (i >= n) throw new TokenFileError(`line ${start}: extraneous or missing " in quoted-field (column ${column})`);
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (text[i] === '\n') line++;
          value += text[i++];
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new TokenFileError(`line ${line}: extraneous or missing " in quoted-field`);
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw new TokenFileError(`line ${line}: bare " in non-quoted-field`);
          value += text[i++];
        }
      }
      fields.push(value);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') {
      i++;
      line++;
    }
    records.push({ line: start, fields });
  }
  return records;
}

/** The users of a token file's text; `path` names the file in errors. */
export function parseTokenFile(text: string, path: string): Map<string, User> {
  const tokens = new Map<string, User>();
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (err) {
    throw new TokenFileError(`token file '${path}' ${(err as Error).message}`);
  }
  for (const { line, fields } of records) {
    if (fields.length < 3) {
      throw new TokenFileError(`token file '${path}' line ${line}: must have at least 3 columns (token, user name, user uid), found ${fields.length}`);
    }
    const [token, username, uid, groups] = fields;
    if (!token) continue;
    tokens.set(token, { username, uid, groups: groups === undefined ? [] : groups.split(','), extra: {} });
  }
  return tokens;
}

export function staticTokenAuthenticator(tokens: Map<string, User>): Authenticator {
  return {
    name: 'token-file',
    async authenticate({ bearerToken }) {
      const user = bearerToken ? tokens.get(bearerToken) : undefined;
      if (!user) return { ok: false };
      return { ok: true, user: { ...user, groups: [...user.groups], extra: {} } };
    },
  };
}

/** The authenticator of a token file; a file that cannot be read or parsed fails the start. */
export function tokenFileAuthenticator(path: string): Authenticator {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TokenFileError(`token file '${path}' cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return staticTokenAuthenticator(parseTokenFile(text, path));
}
